// CSV export: RFC 4180 text, streamed batch by batch so an export of a million rows holds one
// batch in memory at a time, never the whole file.
import { Readable } from 'node:stream'

const CRLF = '\r\n'

// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
const FORMULA_START = /^[=+\-@\t\r]/
// ...except a plain number: `+14155550123` (every E.164 number) or `-0.0085` (a Twilio price)
// cannot execute anything, and prefixing them would corrupt the main data of every row.
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/

/** One cell's text: neutralised if a spreadsheet would run it, quoted when RFC 4180 requires. */
export function csvCell(value: unknown): string {
  let text =
    value === null || value === undefined ? ''
    : value instanceof Date ? value.toISOString()
    : Array.isArray(value) ? value.map(String).join(';')
    : String(value)
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One record, CRLF-terminated as RFC 4180 says. */
export function csvRecord(cells: readonly unknown[]): string {
  return cells.map(csvCell).join(',') + CRLF
}

/**
 * A Readable of CSV text: the header record, then one chunk per batch the source yields. The
 * source is pulled only when the consumer (the socket) asks for more, so a slow client slows
 * the database reads instead of filling memory. The first batch is read before the stream is
 * returned: a failure that early (database down, bad filter) still becomes a proper error
 * answer instead of a 200 with a cut-off body.
 */
export async function csvStream<T>(
  header: readonly string[],
  batches: AsyncIterable<T[]>,
  cells: (row: T) => readonly unknown[],
): Promise<Readable> {
  const source = batches[Symbol.asyncIterator]()
  const first = await source.next()
  const encode = (batch: T[]) => batch.map((row) => csvRecord(cells(row))).join('')
  async function* lines() {
    try {
      yield csvRecord(header) + (first.done ? '' : encode(first.value))
      for (let next = first; !next.done; ) {
        next = await source.next()
        if (!next.done && next.value.length > 0) yield encode(next.value)
      }
    } finally {
      // The client went away mid-download: stop reading batches.
      await source.return?.()
    }
  }
  return Readable.from(lines(), { objectMode: false })
}
