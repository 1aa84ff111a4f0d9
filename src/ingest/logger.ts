/**
 * The little the pipeline needs of a logger: pino's (obj, msg) form, which Fastify's
 * `app.log` and a plain `pino()` both provide.
 */
export interface IngestLogger {
  debug(obj: object, msg: string): void
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/** A short, single-line description of an error, for logs that may repeat. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message.split('\n').filter((line) => line.trim() !== '').slice(-1)[0] ?? err.name : String(err)
}
