import { Writable } from 'node:stream'
import { type LoggerOptions, pino } from 'pino'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { loggerOptions } from '../../src/logger.js'

t.test('secrets in logged objects are redacted wherever they appear', async (t) => {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const options = loggerOptions(loadConfig({ LOG_LEVEL: 'info' })) as LoggerOptions
  const log = pino(options, sink)
  log.info(
    {
      req: { headers: { authorization: 'Bearer dek_secret-1', cookie: 'sid=secret-2', 'x-twilio-signature': 'secret-3' } },
      body: { password: 'secret-4', refreshToken: 'secret-5', apiKey: 'secret-6', secret: 'secret-7', authToken: 'secret-8' },
      password: 'secret-9',
      email: 'kept@example.com',
    },
    'a request',
  )
  const line = lines.join('')
  for (let i = 1; i <= 9; i++) t.notMatch(line, `secret-${i}`, `secret ${i} is not in the log`)
  t.match(line, 'kept@example.com', 'ordinary fields are kept')
  t.match(line, '[redacted]')
})
