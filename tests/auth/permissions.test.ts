import t from 'tap'
import { keyPermissions, PERMISSIONS, rolePermissions } from '../../src/auth/permissions.js'
import type { UserRole } from '../../src/generated/prisma/client.js'

t.test('each role may do what the issue says and no more', async (t) => {
  const table: Array<[UserRole, string[], string[]]> = [
    ['USER', ['read:numbers', 'write:numbers', 'write:config', 'read:logs', 'read:billing'], ['read:users', 'write:users', 'read:audit', 'admin']],
    ['DEVELOPER', ['read:numbers', 'write:config', 'write:webhooks'], ['read:users', 'read:audit', 'admin']],
    ['SUPPORT', ['read:numbers', 'read:config', 'read:logs', 'read:users', 'read:audit'], ['write:numbers', 'write:config', 'write:users', 'admin']],
    ['ADMIN', [...PERMISSIONS], []],
    ['SUPER_ADMIN', [...PERMISSIONS], []],
  ]
  for (const [role, has, lacks] of table) {
    const granted = rolePermissions(role)
    for (const p of has) t.ok(granted.includes(p as never), `${role} has ${p}`)
    for (const p of lacks) t.notOk(granted.includes(p as never), `${role} lacks ${p}`)
  }
})

t.test('an API key has what it was given, within what its owner may do', async (t) => {
  const table: Array<[string, string[], UserRole, string[]]> = [
    ['admin stands for everything the role allows', ['admin'], 'USER', rolePermissions('USER')],
    ['a narrow key stays narrow', ['read:numbers'], 'ADMIN', ['read:numbers']],
    ['a demoted owner takes the key down with them', ['read:users', 'read:numbers'], 'USER', ['read:numbers']],
    ['support keys never write', ['write:numbers', 'read:numbers'], 'SUPPORT', ['read:numbers']],
    ['unknown permissions grant nothing', ['launch:rockets'], 'SUPER_ADMIN', []],
    ['no permissions grant nothing', [], 'SUPER_ADMIN', []],
  ]
  for (const [name, granted, role, expected] of table) t.same(keyPermissions(granted, role).sort(), [...expected].sort(), name)
})
