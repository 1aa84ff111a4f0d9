import type { User } from '../generated/prisma/client.js'
import type { Permission } from './permissions.js'

/** Who is calling the management API, and how they proved it. */
export interface Principal {
  user: User
  permissions: Permission[]
  /** An API key (`apiKeyId`) or a signed-in session (`sessionId`). */
  via: { kind: 'apiKey'; apiKeyId: string } | { kind: 'session'; sessionId: string }
}
