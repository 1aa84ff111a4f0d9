import type { PrismaClient } from '../generated/prisma/client.js'

/**
 * Records API-key use (`last_used_at`, `usage_count`) off the request path: uses are
 * counted in memory and written once a second, one UPDATE per key, so a burst of requests
 * costs one write instead of one each. `flush()` runs on close, so nothing counted is lost.
 */
export class ApiKeyUsageRecorder {
  private pending = new Map<string, { count: number; lastUsedAt: Date }>()
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()

  constructor(
    private readonly prisma: PrismaClient,
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = 1000,
  ) {}

  /** Counts one use of the key at `at`. */
  record(apiKeyId: string, at: Date): void {
    const entry = this.pending.get(apiKeyId)
    if (entry) {
      entry.count += 1
      entry.lastUsedAt = at
    } else {
      this.pending.set(apiKeyId, { count: 1, lastUsedAt: at })
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, this.intervalMs)
    this.timer.unref()
  }

  /** Writes everything counted so far; resolves when written. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const batch = this.pending
    this.pending = new Map()
    this.flushing = this.flushing.then(async () => {
      for (const [id, { count, lastUsedAt }] of batch) {
        await this.prisma.apiKey
          .update({ where: { id }, data: { usageCount: { increment: count }, lastUsedAt } })
          .catch(this.onError)
      }
    })
    return this.flushing
  }
}
