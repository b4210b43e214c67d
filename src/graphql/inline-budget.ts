// How much inline answering one request, and one client at a time, may cost the event loop. Inline answers are
// built on the main thread: a base64 string costs about 13 ns a byte, a `values` list about 0.4 us an integer
// element and 1.7 us a float one (graphql-js completes every element; measured with fakes, 2 cores).
// The complexity budget alone let one anonymous request inline 12 MiB of values (seconds of frozen loop), and
// many at once froze the server for a minute. So every inline answer is charged, before it is read, in "work
// bytes" (a base64 byte is one; a values element 32, or 128 for a float dtype), against the request's budget and
// against what the same client has in flight; over either, the answer is a typed TooLargeError telling the client
// to ask for a link. In flight = charged and not yet answered: released when yoga has built the response.
// bench/hostile/inline.ts measures /healthz and the server's event-loop delay under 24 such clients.
import type { DType } from '../tensor/dtype.ts';
import { TooLargeError } from './errors.ts';

export interface InlineBudgetLimits {
  /** Work bytes one request may inline in all (default 4 MiB: about 55 ms of an idle core). */
  perRequest: number;
  /** Work bytes one client may have in flight over its concurrent requests (default 8 MiB). */
  perClient: number;
}

export const DEFAULT_INLINE_BUDGET: InlineBudgetLimits = { perRequest: 4 << 20, perClient: 8 << 20 };

const FLOAT_DTYPES = new Set<DType>(['F16', 'BF16', 'F32', 'F64', 'F8_E5M2', 'F8_E4M3']);

/** Work bytes of an inline answer with the fields the client selected. */
export function inlineWork(answer: { byteLength: number; elementCount?: number; dtype?: DType }, fields: { base64: boolean; values: boolean }): number {
  let work = 0;
  if (fields.base64) work += Math.ceil(answer.byteLength / 3) * 4;
  if (fields.values && answer.elementCount !== undefined) work += answer.elementCount * (answer.dtype && FLOAT_DTYPES.has(answer.dtype) ? 128 : 32);
  return work;
}

/** One request's account: what it has charged, and its client's shared tally. */
export class RequestInlineBudget {
  private used = 0;
  private released = false;

  constructor(
    private readonly limits: InlineBudgetLimits,
    private readonly clients: Map<string, number>,
    private readonly client: string,
  ) {}

  /** Charges `work`; a TooLargeError (to return as the field's typed result) when it does not fit. */
  charge(work: number): TooLargeError | null {
    if (work <= 0) return null;
    const { perRequest, perClient } = this.limits;
    const link = 'ask for a download link (inlineLimit: 0), or for fewer or smaller slices';
    if (this.used + work > perRequest) {
      return new TooLargeError(
        `this answer would cost ${work} bytes of inline work (base64 bytes, 32 per value, 128 per float value) and the request has ` +
          `${Math.max(0, perRequest - this.used)} left of its budget of ${perRequest}: ${link}`,
        this.used + work,
        perRequest,
      );
    }
    const inFlight = this.clients.get(this.client) ?? 0;
    if (inFlight + work > perClient) {
      return new TooLargeError(
        `this client already has ${inFlight} bytes of inline work in flight, and ${work} more would pass its budget of ${perClient}: ${link}, or wait for the answers in flight`,
        inFlight + work,
        perClient,
      );
    }
    this.used += work;
    if (!this.released) this.clients.set(this.client, inFlight + work);
    return null;
  }

  /** The request has been answered: its work leaves the client's tally. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.used === 0) return;
    const left = (this.clients.get(this.client) ?? 0) - this.used;
    if (left > 0) this.clients.set(this.client, left);
    else this.clients.delete(this.client);
  }
}

/** The server's tallies per client (one per yoga instance). */
export function createInlineBudgets(limits: InlineBudgetLimits = DEFAULT_INLINE_BUDGET) {
  const clients = new Map<string, number>();
  return {
    forRequest: (client: string) => new RequestInlineBudget(limits, clients, client),
    /** Work bytes in flight for a client (for tests and metrics). */
    inFlight: (client: string) => clients.get(client) ?? 0,
  };
}
