/**
 * The hand-written signature validator accepts exactly what twilio-node's validateRequest accepts
 * for the same full URL and form parameters, and rejects everything else without throwing.
 */
import t, { type Test } from 'tap'
import twilio from 'twilio'
import { createHash } from 'node:crypto'
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring'
import { computeSignature, createSignatureValidator } from '../../src/webhooks/signature.js'

type Params = Record<string, string | string[] | undefined>

const TOKEN = '12345'
const VECTOR_PATH = '/myapp.php?foo=1&bar=2'
const VECTOR_URL = 'https://mycompany.com' + VECTOR_PATH
const VECTOR_PARAMS: Params = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
}
const ARRAY_PARAMS: Params = { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] }

/** validateRequest for any of the tokens; a throw (a URL `new URL()` refuses) counts as a rejection. */
function twilioAccepts(tokens: string[], signature: string, url: string, params: Params): boolean {
  return tokens.some((token) => {
    try {
      return twilio.validateRequest(token, signature, url, params)
    } catch {
      return false
    }
  })
}

t.test('the test vectors from TWILIO.md are accepted, as validateRequest accepts them', async (t) => {
  const validator = createSignatureValidator('https://mycompany.com', [TOKEN])
  const cases: Array<[string, Params, string]> = [
    ['plain URL', VECTOR_PARAMS, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='],
    ['URL signed with :443', VECTOR_PARAMS, 'kvajT1Ptam85bY51eRf/AJRuM3w='],
    ['array parameter', ARRAY_PARAMS, 'IK+Dwps556ElfBT0I3Rgjkr1wJU='],
  ]
  for (const [name, params, signature] of cases) {
    t.equal(twilio.validateRequest(TOKEN, signature, VECTOR_URL, params), true, `${name}: validateRequest`)
    t.equal(validator.isValid(VECTOR_PATH, params, signature), true, `${name}: isValid`)
  }
  t.equal(twilio.getExpectedTwilioSignature(TOKEN, VECTOR_URL, VECTOR_PARAMS), 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')
  t.equal(
    twilio.getExpectedTwilioSignature(TOKEN, 'https://mycompany.com:443' + VECTOR_PATH, VECTOR_PARAMS),
    'kvajT1Ptam85bY51eRf/AJRuM3w=',
  )
  // Body parsers may hand over a null-prototype object.
  const bare: Params = Object.assign(Object.create(null) as Params, VECTOR_PARAMS)
  t.equal(validator.isValid(VECTOR_PATH, bare, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='), true, 'null-prototype params')
  // A base configured with the explicit default port accepts the port-less signature too.
  const withPort = createSignatureValidator('https://mycompany.com:443', [TOKEN])
  t.equal(withPort.isValid(VECTOR_PATH, VECTOR_PARAMS, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='), true)
  t.equal(withPort.isValid(VECTOR_PATH, VECTOR_PARAMS, 'kvajT1Ptam85bY51eRf/AJRuM3w='), true)
})

t.test('a changed parameter, path or query invalidates a vector signature', async (t) => {
  const validator = createSignatureValidator('https://mycompany.com', [TOKEN])
  const signature = 'RSOYDt4T1cUTdK1PDd93/VVr8B8='
  t.equal(validator.isValid(VECTOR_PATH, { ...VECTOR_PARAMS, Digits: '1235' }, signature), false)
  t.equal(validator.isValid(VECTOR_PATH, { ...VECTOR_PARAMS, Extra: '' }, signature), false)
  t.equal(validator.isValid('/myapp.php?foo=1&bar=3', VECTOR_PARAMS, signature), false)
  t.equal(validator.isValid('/myapp.php', VECTOR_PARAMS, signature), false)
  // The array vector signs distinct values only, so repeating a value is not a change.
  t.equal(validator.isValid(VECTOR_PATH, { ...ARRAY_PARAMS, Digits: ['1234', '5678'] }, 'IK+Dwps556ElfBT0I3Rgjkr1wJU='), true)
  t.equal(validator.isValid(VECTOR_PATH, { ...ARRAY_PARAMS, Digits: ['1234', '5679'] }, 'IK+Dwps556ElfBT0I3Rgjkr1wJU='), false)
})

t.test('credentials, a trailing slash and a fragment in the base URL are not signed', async (t) => {
  const signature = 'RSOYDt4T1cUTdK1PDd93/VVr8B8='
  for (const base of ['https://user:secret@mycompany.com', 'https://mycompany.com/', 'https://mycompany.com#rc=2&ct=1000']) {
    t.equal(createSignatureValidator(base, [TOKEN]).isValid(VECTOR_PATH, VECTOR_PARAMS, signature), true, base)
  }
})

t.test('a fragment in the request target is not signed', async (t) => {
  const validator = createSignatureValidator('https://mycompany.com', [TOKEN])
  t.equal(validator.isValid(VECTOR_PATH + '#rc=2', VECTOR_PARAMS, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='), true)
})

t.test('a path prefix in the base URL is put in front of the request path', async (t) => {
  const signature = twilio.getExpectedTwilioSignature(TOKEN, 'https://mycompany.com/edge/twilio/voice?x=1', VECTOR_PARAMS)
  const validator = createSignatureValidator('https://mycompany.com/edge/', [TOKEN])
  t.equal(validator.isValid('/twilio/voice?x=1', VECTOR_PARAMS, signature), true)
  t.equal(validator.isValid('/edge/twilio/voice?x=1', VECTOR_PARAMS, signature), false)
  t.equal(createSignatureValidator('https://mycompany.com', [TOKEN]).isValid('/twilio/voice?x=1', VECTOR_PARAMS, signature), false)
})

t.test('a query signed in its legacy querystring form is accepted, as validateRequest accepts it', async (t) => {
  const validator = createSignatureValidator('http://localhost:3000', [TOKEN])
  const received = '/twilio/voice?name=a+b&q=it%27s'
  const signature = twilio.getExpectedTwilioSignature(TOKEN, 'http://localhost:3000/twilio/voice?name=a%20b&q=it\'s', VECTOR_PARAMS)
  t.equal(twilio.validateRequest(TOKEN, signature, 'http://localhost:3000' + received, VECTOR_PARAMS), true)
  t.equal(validator.isValid(received, VECTOR_PARAMS, signature), true)
})

t.test('during a rotation a signature made with either token is accepted and a third token is not', async (t) => {
  const [oldToken, newToken, otherToken] = ['old-token-0123456789abcdef', 'new-token-fedcba9876543210', 'someone-else']
  const validator = createSignatureValidator('https://mycompany.com', [newToken, oldToken])
  const single = createSignatureValidator('https://mycompany.com', [newToken])
  const sign = (token: string) => twilio.getExpectedTwilioSignature(token, VECTOR_URL, VECTOR_PARAMS)
  t.equal(validator.isValid(VECTOR_PATH, VECTOR_PARAMS, sign(oldToken)), true)
  t.equal(validator.isValid(VECTOR_PATH, VECTOR_PARAMS, sign(newToken)), true)
  t.equal(validator.isValid(VECTOR_PATH, VECTOR_PARAMS, sign(otherToken)), false)
  t.equal(single.isValid(VECTOR_PATH, VECTOR_PARAMS, sign(oldToken)), false)
})

t.test('a missing, empty, wrong-length or non-base64 signature is rejected without throwing', async (t) => {
  const validator = createSignatureValidator('https://mycompany.com', [TOKEN])
  const good = 'RSOYDt4T1cUTdK1PDd93/VVr8B8='
  const bad: Array<string | undefined> = [
    undefined,
    '',
    'garbage',
    good + '=',
    good.slice(0, -1),
    ' ' + good.slice(1),
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
    'RSOYDt4T1cUTdK1PDd93/VVr8B8', // missing padding: decodes to the same bytes, still not the signature
    'RSOYDt4T1cUTdK1PDd93/VVr8B8\u00e9', // 28 characters, 29 bytes
    'a'.repeat(100_000),
  ]
  for (const signature of bad) {
    t.equal(validator.isValid(VECTOR_PATH, VECTOR_PARAMS, signature), false, JSON.stringify(signature?.slice(0, 40)))
  }
  // Not a string at all (a header array slipping through an untyped caller).
  t.equal(validator.isValid(VECTOR_PATH, VECTOR_PARAMS, [good] as unknown as string), false)
})

t.test('odd requests are rejected or checked without throwing', async (t) => {
  const validator = createSignatureValidator('https://mycompany.com', [TOKEN])
  const signature = 'RSOYDt4T1cUTdK1PDd93/VVr8B8='
  const odd: Array<[string, unknown]> = [
    ['/x?%E0%A4%A', VECTOR_PARAMS],
    ['/%zz/%?a=%%&b=%u00e9', VECTOR_PARAMS],
    ['/x?' + 'a=%ff&'.repeat(5000), VECTOR_PARAMS],
    ['/\ud800/\udfff?\ud83d=\u0000', VECTOR_PARAMS],
    ['', VECTOR_PARAMS],
    ['*', VECTOR_PARAMS],
    ['http://evil.example/myapp.php?foo=1&bar=2', VECTOR_PARAMS],
    [VECTOR_PATH, { Body: 'x'.repeat(1_000_000), Emoji: '😀\ud800', Arr: ['b', 'a', 'b', ''] }],
    [VECTOR_PATH, null],
    [VECTOR_PATH, { a: Symbol('x') }],
    [VECTOR_PATH, { a: [['nested'], 1, undefined] }],
    [undefined as unknown as string, VECTOR_PARAMS],
  ]
  for (const [path, params] of odd) {
    t.doesNotThrow(() => validator.isValid(path, params as Params, signature))
    t.equal(validator.isValid(path, params as Params, signature), false, JSON.stringify(String(path).slice(0, 40)))
  }
})

t.test('a URL carrying bodySHA256 (a JSON-body webhook) is rejected, though validateRequest alone accepts it', async (t) => {
  const validator = createSignatureValidator('https://mycompany.com', [TOKEN])
  const path = '/myapp.php?bodySHA256=0a1ff41f2a3b6a86ffd4e1cbc0c3e6a3bd1e4c5c0ad5e9b1c3e4f50cd3e7b1a2'
  const signature = twilio.getExpectedTwilioSignature(TOKEN, 'https://mycompany.com' + path, {})
  t.equal(twilio.validateRequest(TOKEN, signature, 'https://mycompany.com' + path, {}), true)
  t.equal(validator.isValid(path, {}, signature), false)
})

const sha256 = (body: string) => createHash('sha256').update(body, 'utf8').digest('hex')

t.test('a JSON body is accepted when the URL with its bodySHA256 is signed and the hash is the body\'s, as validateRequestWithBody accepts it', async (t) => {
  const validator = createSignatureValidator('https://mycompany.com', [TOKEN])
  const body = '{"CallSid":"CA1234567890ABCDE","To":"+18005551212"}'
  const path = `/myapp.php?foo=1&bodySHA256=${sha256(body)}`
  const signature = twilio.getExpectedTwilioSignature(TOKEN, 'https://mycompany.com' + path, {})
  t.equal(twilio.validateRequestWithBody(TOKEN, signature, 'https://mycompany.com' + path, body), true)
  t.equal(validator.isValidWithBody(path, Buffer.from(body), signature), true)
  // The body changed, the hash left out, or the signature made over form parameters instead.
  t.equal(validator.isValidWithBody(path, Buffer.from(body + ' '), signature), false, 'another body')
  t.equal(validator.isValidWithBody('/myapp.php?foo=1', Buffer.from(body), twilio.getExpectedTwilioSignature(TOKEN, 'https://mycompany.com/myapp.php?foo=1', {})), false, 'no bodySHA256')
  t.equal(validator.isValid(path, {}, signature), false, 'not as a form body')
  t.equal(validator.isValidWithBody(path, 'not bytes' as unknown as Uint8Array, signature), false, 'not bytes')
  // The hash covers the bytes as sent: bytes that are not UTF-8 are not read as text first.
  const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x7d])
  const rawPath = `/x?bodySHA256=${createHash('sha256').update(raw).digest('hex')}`
  t.equal(validator.isValidWithBody(rawPath, raw, twilio.getExpectedTwilioSignature(TOKEN, 'https://mycompany.com' + rawPath, {})), true, 'raw bytes')
})

t.test('a base URL that cannot work is refused when the validator is built', async (t) => {
  t.throws(() => createSignatureValidator('ftp://mycompany.com', [TOKEN]))
  t.throws(() => createSignatureValidator('mycompany.com', [TOKEN]))
  t.throws(() => createSignatureValidator('https://mycompany.com/?x=1', [TOKEN]))
  t.throws(() => createSignatureValidator('https://mycompany.com', []))
  t.throws(() => createSignatureValidator('https://mycompany.com', ['']))
})

// --- property test ------------------------------------------------------------------------------

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/** Seeded random choices for a property test; the seed is printed so a failure can be replayed. */
function generators(t: Test) {
  // A fresh seed each run widens the search; a failure names its seed to replay it.
  const seed = Number(process.env.SIGNATURE_SEED ?? Date.now() % 2 ** 31)
  t.comment(`seed ${seed} (reproduce with SIGNATURE_SEED=${seed})`)
  const random = prng(seed)
  const int = (n: number) => Math.floor(random() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  const chance = (p: number) => random() < p
  const text = (pool: readonly string[], max: number) => {
    let s = ''
    for (let i = int(max + 1); i > 0; i--) s += pick(pool)
    return s
  }
  return { seed, int, pick, chance, text }
}

t.test('random requests are accepted exactly when validateRequest accepts them (property)', async (t) => {
  const { seed, int, pick, chance, text } = generators(t)

  // Characters a URL can carry that `new URL()` or the legacy querystring treat specially.
  const urlChars = [
    'a', 'B', 'z', '0', '9', '-', '.', '_', '~', ' ', '+', '%20', '%2B', '%2F', '%27', '%7E', "'", '!', '*', '(',
    ')', 'é', '😀', '%', '%zz', '%E9', '%e9', '"', '<', '>', '`', '{', '}', '|', '\\', '^', '[', ']', '@', ':',
    ',', ';', '$', '\t', '\ud83d',
  ]
  const queryChars = [...urlChars, '=', '?', '/', '&']
  const valueChars = ['a', 'Z', '1', '+', ' ', '&', '=', '%', 'é', '😀', '\uff61', '\ud800', '\n', "'", '*']
  const names = [
    'Sid', 'SidAccount', 'sid', 'SID', 'CallSid', 'AccountSid', 'From', 'To', 'Digits', 'Body', 'Caller', 'a', 'A',
    'B', '_', 'é', 'E', '\ufb00', '😀', '\uff61', '', 'Sid ', 'Sid\u0000',
  ]
  const schemes = ['https', 'http', 'HTTPS', 'Http']
  const hosts = ['mycompany.com', 'Edge.Example.COM', 'localhost', '127.0.0.1', '[::1]', 'bücher.example', 'xn--bcher-kva.example']
  const ports = ['', '', '', ':443', ':80', ':8443', ':3000']
  const prefixes = ['', '', '', '/', '/edge', '/edge/', '/a/b', '/édge', '/x y', '/a/..']
  const tokens = ['token-a-0123456789abcdef0123456789ab', 'token-b-fedcba9876543210fedcba987654']
  const outsider = 'token-c-not-configured'

  const randomPathAndQuery = () => {
    let path = ''
    for (let i = 1 + int(4); i > 0; i--) path += '/' + (chance(0.1) ? pick(['.', '..', '']) : text(urlChars, 8))
    let query = ''
    if (chance(0.8)) {
      const pairs: string[] = []
      for (let i = int(6); i > 0; i--) {
        const key = chance(0.5) ? pick(['foo', 'bar', 'x', 'Foo', 'a b', 'é']) : text(queryChars, 4)
        pairs.push(chance(0.1) ? key : key + '=' + text(queryChars, 8))
      }
      query = '?' + pairs.join(chance(0.1) ? '&&' : '&')
    }
    return path + query
  }
  const randomParams = (): Params => {
    const params: Params = {}
    for (let i = int(26); i > 0; i--) {
      const name = chance(0.7) ? pick(names) : text(valueChars, 5)
      // undefined only reaches the validator from an untyped caller; twilio-node signs it as "undefined".
      params[name] = chance(0.02)
        ? undefined
        : chance(0.15)
        ? Array.from({ length: 1 + int(4) }, () => (chance(0.3) ? '1234' : text(valueChars, 6)))
        : text(valueChars, 12)
    }
    return params
  }
  const defaultPort = (scheme: string) => (scheme.toLowerCase() === 'https' ? ':443' : ':80')
  const legacy = (url: string) => {
    const q = url.indexOf('?')
    return q === -1 || q === url.length - 1 ? url : url.slice(0, q) + '?' + stringifyQuery(parseQuery(url.slice(q + 1)))
  }
  /** URL forms Twilio (or a back end) may have signed, derived here independently of the validator. */
  const signableUrls = (scheme: string, host: string, port: string, restOfUrl: string): string[] => {
    const full = scheme + '://' + host + port + restOfUrl
    const forms = [full, scheme + '://' + host + restOfUrl, scheme + '://' + host + (port || defaultPort(scheme)) + restOfUrl]
    try {
      const url = new URL(full)
      const rest = url.href.slice((url.protocol + '//' + url.host).length)
      const withoutPort = url.protocol + '//' + url.hostname + rest
      const withPort = url.protocol + '//' + url.hostname + ':' + (url.port || (url.protocol === 'https:' ? '443' : '80')) + rest
      forms.push(withoutPort, withPort, legacy(withoutPort), legacy(withPort))
    } catch {
      // validateRequest would throw on this URL; the raw forms are still worth signing.
    }
    // Wrong URLs. Changed in the middle, not at the end: with no separator between URL and
    // parameters, 'url' + 'x' signed with {'': ''} is the same string as 'url' with {'': 'x'}.
    forms.push(scheme + '://' + host + port + '/wrong' + restOfUrl, scheme + '://other.example' + restOfUrl)
    return forms
  }

  const CASES = Number(process.env.SIGNATURE_CASES ?? 4000)
  let accepted = 0
  let acceptedByFallback = 0
  let tampered = 0
  let mismatches = 0
  for (let i = 0; i < CASES && mismatches < 5; i++) {
    const scheme = pick(schemes)
    const host = pick(hosts)
    const port = pick(ports)
    const prefix = pick(prefixes)
    const base = scheme + '://' + (chance(0.1) ? 'user:p%40ss@' : '') + host + port + prefix + (chance(0.1) ? '#rc=2&ct=1000' : '')
    const pathAndQuery = randomPathAndQuery()
    const received = pathAndQuery + (chance(0.05) ? '#rt=5000' : '')
    const restOfUrl = prefix.replace(/\/+$/, '') + pathAndQuery
    const fullUrl = scheme + '://' + host + port + restOfUrl
    const configured = chance(0.3) ? tokens : tokens.slice(0, 1)

    const signedParams = randomParams()
    const forms = signableUrls(scheme, host, port, restOfUrl)
    const formIndex = int(forms.length)
    const signer = chance(0.1) ? outsider : pick(configured)
    let signature = twilio.getExpectedTwilioSignature(signer, forms[formIndex] as string, signedParams)
    if (chance(0.05)) signature = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11)

    let params = signedParams
    const tamper = chance(0.1)
    if (tamper) {
      params = { ...signedParams }
      const keys = Object.keys(params)
      const key = keys.length > 0 && chance(0.7) ? pick(keys) : 'Tampered'
      const value = params[key]
      params[key] = Array.isArray(value) ? [...value, 'tampered-value'] : (value ?? '') + 'x'
    }

    const expected = twilioAccepts(configured, signature, fullUrl, params)
    const actual = createSignatureValidator(base, configured).isValid(received, params, signature)
    if (actual !== expected) {
      mismatches++
      t.fail(`case ${i} (seed ${seed}): isValid ${actual}, validateRequest ${expected}`, {
        base, received, fullUrl, signedUrl: forms[formIndex], signer, params,
      })
    }
    if (tamper) {
      tampered++
      if (expected || actual) t.fail(`case ${i} (seed ${seed}): tampered parameters accepted`, { fullUrl, params })
    }
    if (expected) {
      accepted++
      if (formIndex >= 3) acceptedByFallback++
    }
  }
  t.equal(mismatches, 0, `isValid agrees with validateRequest on ${CASES} random requests (seed ${seed})`)
  t.comment(`${accepted} accepted (${acceptedByFallback} signed over a normalized, legacy or wrong form), ${tampered} tampered`)
  // The generator must exercise both answers and the fallback forms, or agreement proves little.
  t.ok(accepted > CASES * 0.3, 'a good share of random requests is valid')
  t.ok(CASES - accepted > CASES * 0.3, 'a good share of random requests is invalid')
  t.ok(acceptedByFallback > CASES * 0.05, 'the normalized and legacy forms are exercised')
})

t.test('random JSON-body requests are accepted exactly when validateRequestWithBody accepts them (property)', async (t) => {
  const { seed, int, pick, chance, text } = generators(t)
  const bodyChars = ['{', '}', '"', ':', ',', 'a', 'Z', '1', ' ', 'null', 'é', '😀', '\\', '\n', '[', ']']
  const queryChars = ['a', 'b', '=', '&', '%20', '+', "'", '%zz', 'é', '?', '/']
  const bases = ['https://mycompany.com', 'http://localhost:3000', 'https://mycompany.com:443/edge', 'HTTPS://Edge.Example.COM']
  const tokens = ['token-a-0123456789abcdef0123456789ab', 'token-b-fedcba9876543210fedcba987654']

  const CASES = Number(process.env.SIGNATURE_CASES ?? 4000) / 2
  let accepted = 0
  let mismatches = 0
  for (let i = 0; i < CASES && mismatches < 5; i++) {
    const base = pick(bases)
    const configured = chance(0.3) ? tokens : tokens.slice(0, 1)
    const body = text(bodyChars, 40)
    const sentBody = chance(0.1) ? body + 'x' : body
    // Where the hash sits, whether it is the body's, and whether it is there at all.
    const hash = chance(0.1) ? sha256(body + 'y') : chance(0.05) ? sha256(body).toUpperCase() : sha256(body)
    const hashParam = chance(0.05) ? '' : `bodySHA256=${hash}`
    const query = [chance(0.5) ? text(queryChars, 6) : '', hashParam, chance(0.3) ? text(queryChars, 6) : ''].filter(Boolean).join('&')
    const pathAndQuery = `/twilio/${text(['voice', 'sms', 'a', '%41', '.'], 3)}${query ? '?' + query : ''}`
    const fullUrl = base.replace(/\/+$/, '') + pathAndQuery
    const signedUrl = chance(0.1) ? fullUrl.replace('/twilio', '/other') : fullUrl
    const signer = chance(0.1) ? 'token-c-not-configured' : pick(configured)
    const signature = twilio.getExpectedTwilioSignature(signer, signedUrl, {})

    const expected = configured.some((token) => {
      try {
        return twilio.validateRequestWithBody(token, signature, fullUrl, sentBody)
      } catch {
        return false
      }
    })
    const actual = createSignatureValidator(base, configured).isValidWithBody(pathAndQuery, Buffer.from(sentBody, 'utf8'), signature)
    if (actual !== expected) {
      mismatches++
      t.fail(`case ${i} (seed ${seed}): isValidWithBody ${actual}, validateRequestWithBody ${expected}`, { base, pathAndQuery, signedUrl, sentBody })
    }
    if (expected) accepted++
  }
  t.equal(mismatches, 0, `isValidWithBody agrees with validateRequestWithBody on ${CASES} random requests (seed ${seed})`)
  t.ok(accepted > CASES * 0.3, 'a good share of random requests is valid')
  t.ok(CASES - accepted > CASES * 0.2, 'a good share of random requests is invalid')
})

t.test('computeSignature signs exactly as twilio-node does', async (t) => {
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2'
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' }
  t.equal(computeSignature('12345', url, params), 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')
  const arrays = { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] }
  t.equal(computeSignature('12345', url, arrays), 'IK+Dwps556ElfBT0I3Rgjkr1wJU=')
  const unicode = { From: '+4930', Body: 'Grüße 🚀 <&>', Media: ['b', 'a'] }
  t.equal(computeSignature('tok', 'http://localhost:3000/twilio/sms', unicode), twilio.getExpectedTwilioSignature('tok', 'http://localhost:3000/twilio/sms', unicode as never))
})
