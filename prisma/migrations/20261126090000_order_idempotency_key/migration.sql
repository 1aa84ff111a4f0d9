-- POST /api/v1/numbers/purchase takes an Idempotency-Key header: the same key from the same
-- user must find the order the first request created, and never buy its numbers again. The
-- key is kept on the order, and this unique index makes "one order per (user, key)" hold even
-- for two requests racing each other: the second insert fails and that request reads the
-- first one's order. Orders not made through that route keep NULL (NULLs never conflict).

-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "idempotency_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "orders_user_idempotency_key" ON "orders"("user_id", "idempotency_key");
