// The in-memory queue in front of the stream (or, without Redis, in front of the database).
// Bounded, because a webhook must never wait and memory must not grow without limit while
// Redis or Postgres is away. When full, the OLDEST event makes room: the newest events are
// the terminal callbacks of calls still being billed, and status callbacks recreate a call's
// row on their own, while a lost early `ringing` costs nothing once the call has ended.

/** A FIFO of at most `limit` items that drops from the front when full. */
export class BoundedBuffer<T> {
  private items: T[] = []
  private head = 0

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('buffer limit must be a positive integer')
  }

  get length(): number {
    return this.items.length - this.head
  }

  /** Appends an item; returns the items dropped to make room (usually none). */
  push(item: T): T[] {
    this.items.push(item)
    return this.trim()
  }

  /** Removes and returns up to `n` items from the front. */
  takeFirst(n: number): T[] {
    const taken = this.items.slice(this.head, this.head + n)
    this.head += taken.length
    this.compact()
    return taken
  }

  /** Puts items back at the front (a failed send); returns what the limit forces out. */
  putBack(items: readonly T[]): T[] {
    if (items.length === 0) return []
    this.items = [...items, ...this.items.slice(this.head)]
    this.head = 0
    return this.trim()
  }

  private trim(): T[] {
    const excess = this.length - this.limit
    return excess > 0 ? this.takeFirst(excess) : []
  }

  // Shifting an array is O(n); moving a head index and compacting now and then is O(1) amortised.
  private compact(): void {
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
  }
}
