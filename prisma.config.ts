// Configuration for the Prisma CLI (`prisma generate`, `prisma migrate status`, Studio...).
// The server does not read this file: it opens the database itself (src/db/database.ts).
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // Only migration and introspection commands need a URL, so an unset DATABASE_URL must not
  // break `prisma generate` (prisma/config's env() would throw).
  datasource: process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : {},
})
