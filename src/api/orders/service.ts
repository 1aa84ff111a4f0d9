import { ownedRows } from '../../auth/access.js'
import type { Principal } from '../../auth/principal.js'
import { notFound } from '../../errors.js'
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js'
import type { OrderWithItems } from '../../purchases/items.js'
import { pageWindow } from '../pagination.js'
import type { ListOrdersQuery } from './schemas.js'

/** One page of the orders the principal may read (their own; every tenant's for admins and support). */
export async function listOrders(
  prisma: PrismaClient,
  principal: Principal,
  query: ListOrdersQuery,
): Promise<{ rows: OrderWithItems[]; total: number }> {
  const where: Prisma.OrderWhereInput = { ...ownedRows(principal, 'read'), ...(query.status && { status: query.status }) }
  const [rows, total] = await Promise.all([
    prisma.order.findMany({
      where,
      include: { orderItems: true },
      // The id breaks ties so equal keys cannot trade places between pages.
      orderBy: [{ [query.sortBy]: query.sortOrder }, { id: query.sortOrder }],
      ...pageWindow(query),
    }),
    prisma.order.count({ where }),
  ])
  return { rows, total }
}

export async function getOrder(prisma: PrismaClient, principal: Principal, id: string): Promise<OrderWithItems> {
  const order = await prisma.order.findFirst({ where: { id, ...ownedRows(principal, 'read') }, include: { orderItems: true } })
  if (order === null) throw notFound('order')
  return order
}
