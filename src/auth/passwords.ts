import { randomBytes, scrypt as scryptCallback, type ScryptOptions, timingSafeEqual } from 'node:crypto'

/**
 * Password hashing with scrypt (memory-hard, in node:crypto, so no native dependency).
 * Stored as `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>`: the parameters travel with the
 * hash, so raising the cost later leaves existing hashes verifiable.
 */
const SCHEME = 'scrypt'
const COST = { N: 2 ** 15, r: 8, p: 1 }
const SALT_BYTES = 16
const KEY_BYTES = 32
/** Stored hashes are ours, but a corrupted row must not make one verification allocate gigabytes. */
const MAX_N = 2 ** 20
const MAX_R = 32
const MAX_P = 16

interface Params {
  N: number
  r: number
  p: number
}

function scrypt(password: string, salt: Buffer, keyLength: number, params: Params): Promise<Buffer> {
  // scrypt needs a little over 128·N·r bytes (32 MiB at our cost), which Node's default
  // ceiling of exactly 32 MiB refuses; allow twice that.
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 }
  return new Promise((resolve, reject) => {
    // NFKC: the same password typed as composed or decomposed characters must match.
    scryptCallback(password.normalize('NFKC'), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

/** Hashes a password for storage (async: ~50-100 ms of one libuv thread). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await scrypt(password, salt, KEY_BYTES, COST)
  return [SCHEME, COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

interface Parsed extends Params {
  salt: Buffer
  key: Buffer
}

function parse(stored: string): Parsed | undefined {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== SCHEME) return undefined
  const [N, r, p] = parts.slice(1, 4).map((v) => (/^\d{1,8}$/.test(v ?? '') ? Number(v) : Number.NaN)) as [number, number, number]
  const salt = Buffer.from(parts[4] ?? '', 'base64url')
  const key = Buffer.from(parts[5] ?? '', 'base64url')
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0
  if (!powerOfTwo || N > MAX_N || !(r >= 1 && r <= MAX_R) || !(p >= 1 && p <= MAX_P)) return undefined
  if (salt.length < 8 || key.length < 16) return undefined
  return { N, r, p, salt, key }
}

/**
 * A hash of a random password nobody knows, with the current cost. Logins for unknown emails
 * (and accounts whose stored value is no password hash, such as the bootstrap admin's)
 * verify against it, so they take as long as a wrong password for a real account.
 */
const DUMMY_HASH = 'scrypt$32768$8$1$D-5RSnBm38Br3EiAFHX9UQ$Na1JK7xpnnuQhNQ6GiPcahNOAPYph3amq-PT20pFoxU'

/** Whether `password` matches `stored`. Anything that is not a scrypt hash of ours never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored)
  const target = parsed ?? (parse(DUMMY_HASH) as Parsed)
  const key = await scrypt(password, target.salt, target.key.length, target)
  return parsed !== undefined && timingSafeEqual(key, target.key)
}

/** Spends the time of one verification without any account (the unknown-email path of login). */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH)
  return false
}

export const PASSWORD_MIN_LENGTH = 10

/**
 * Why `password` is too weak for the account `email`, or undefined when it is acceptable:
 * at least 10 characters, at least three of lower case, upper case, digit and symbol, and not
 * containing the email's local part (the first thing a guesser tries).
 */
export function checkPasswordStrength(password: string, email?: string): string | undefined {
  if ([...password].length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters long`
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{L}\p{Nd}]/u].filter((re) => re.test(password)).length
  if (classes < 3) return 'must contain at least three of: lower-case letters, upper-case letters, digits, symbols'
  const local = email?.split('@')[0]?.toLowerCase()
  if (local !== undefined && local.length >= 3 && password.toLowerCase().includes(local)) {
    return 'must not contain the email address'
  }
  return undefined
}
