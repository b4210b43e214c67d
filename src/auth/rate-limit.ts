// Rate limits per client: a token bucket of 2N that refills at N per second (so a burst of 2N, then N a second).
// Pure apart from the clock it is given.
//
// Hand-written rather than a library: the check runs on every request of the download lane, where a whole small
// range answer costs tens of microseconds, so it must be synchronous and allocate nothing once a client is known.
// rate-limiter-flexible (the best kept of the Node ones) answers through a promise on every consume and counts
// fixed windows, not a bucket; `limiter` is a bucket but async too. The bucket itself is a dozen lines.

export interface RateLimitOptions {
  /** Requests per second per client. */
  perSecond: number;
  /** Bucket size; default 2 x perSecond. */
  burst?: number;
  /** Seconds, monotonic; default performance.now() / 1000. */
  now?: () => number;
  /** At most this many clients are tracked; the oldest full buckets are dropped first. Default 100,000. */
  maxClients?: number;
}

export type RateDecision =
  | { ok: true; remaining: number }
  | {
      ok: false;
      /** Whole seconds until one request is allowed again (>= 1), for Retry-After. */
      retryAfter: number;
    };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  readonly perSecond: number;
  readonly burst: number;
  private readonly now: () => number;
  private readonly maxClients: number;
  private readonly buckets = new Map<string, Bucket>();
  /** Refusals since start, by interface (graphql, download, grpc, gateway...): for /metrics. */
  readonly refused = new Map<string, number>();

  constructor(options: RateLimitOptions) {
    if (!(options.perSecond > 0 && Number.isFinite(options.perSecond))) throw new RangeError(`perSecond must be above 0, not ${options.perSecond}`);
    this.perSecond = options.perSecond;
    this.burst = options.burst ?? Math.max(1, 2 * options.perSecond);
    this.now = options.now ?? (() => performance.now() / 1000);
    this.maxClients = options.maxClients ?? 100_000;
  }

  /** Takes one request from `client`'s bucket. `iface` only labels the refusal count. */
  take(client: string, iface = 'other'): RateDecision {
    const now = this.now();
    let bucket = this.buckets.get(client);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxClients) this.sweep(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    this.refused.set(iface, (this.refused.get(iface) ?? 0) + 1);
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)) };
  }

  /** `RateLimit-Policy` (IETF httpapi draft): quota `burst` per window of burst/perSecond seconds. */
  policyHeader(): string {
    return `"default";q=${this.burst};w=${Math.max(1, Math.round(this.burst / this.perSecond))}`;
  }

  /** `RateLimit`: what is left now, and seconds until the bucket is full again. */
  stateHeader(decision: RateDecision): string {
    if (!decision.ok) return `"default";r=0;t=${decision.retryAfter}`;
    const reset = Math.ceil((this.burst - decision.remaining) / this.perSecond);
    return `"default";r=${decision.remaining};t=${reset}`;
  }

  /** Drops buckets that have refilled (they hold nothing a new bucket would not), then the oldest if still full. */
  private sweep(now: number): void {
    for (const [client, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perSecond >= this.burst) this.buckets.delete(client);
    }
    const over = this.buckets.size - Math.floor(this.maxClients * 0.9);
    if (over > 0) {
      let n = 0;
      for (const client of this.buckets.keys()) {
        if (n++ >= over) break;
        this.buckets.delete(client);
      }
    }
  }
}
