// The server's metrics in Prometheus' text format, through prom-client (what Prometheus users expect): the
// server's own counters, request durations by interface and route, and the process and Node runtime metrics.
// A leaf: any layer may count. The hot paths only add to plain numbers here; prom-client reads them at scrape.
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValueWithName } from 'prom-client';

export interface CacheCounters {
  entries: number;
  mappedBytes: number;
  hits: number;
  misses: number;
  evictions: number;
  maxEntries: number;
  maxBytes: number;
}

/** Fetches from IPFS peers (src/ipfs/peers.ts FetchStats). */
export interface FetchCounters {
  started: number;
  completed: number;
  failed: number;
  bytes: number;
  peersDropped: number;
}

/** Where a request came in: node:http, the download lane (raw sockets, src/server/lane) or gRPC. */
export type Interface = 'http' | 'lane' | 'grpc';

/** One worker's metrics as prom-client's JSON (what AggregatorRegistry.aggregate sums across workers). */
export type MetricsJson = MetricObjectWithValues<MetricValueWithName<string>>[];

/** Seconds: a cached 4 KiB range takes tens of microseconds, a big download or a slow query seconds. */
export const DURATION_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Prometheus' "no bound" for a bound the cache reports as Number.MAX_SAFE_INTEGER: +Inf (valid in the text format)
 * rather than 2^53 bytes, which reads as a real, reachable limit. The gauge stays, so a ratio to it is 0, not absent.
 */
export function bound(value: number): number {
  return value >= Number.MAX_SAFE_INTEGER ? Number.POSITIVE_INFINITY : value;
}

export class Metrics {
  readonly startedAt = Date.now();
  /** Set when the server has peers (--peer). */
  fetches: FetchCounters | null = null;
  /** The cache whose counters are exported: this process's own (with --workers, the workers' are summed). */
  cacheSource: (() => CacheCounters) | null = null;
  bytesServed = 0;
  inFlight = 0;
  readonly registry = new Registry();
  /** Counts by route, then status: two lookups and no string made per response (it is counted on the hot path). */
  private readonly responses = new Map<string, Map<number, number>>();
  /** gRPC calls by method path (`/ipfrs.v1.TensorService/ReadSlice`), then status code name (`OK`, `NOT_FOUND`). */
  private readonly grpcCalls = new Map<string, Map<string, number>>();
  private readonly durations = new DurationHistogram();

  constructor() {
    const registers = [this.registry];
    const cache = () => this.cacheSource?.() ?? null;
    const counter = (name: string, help: string, read: () => number | undefined) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          const value = read();
          if (value !== undefined) this.inc(value);
        },
      });
    const gauge = (name: string, help: string, read: () => number | undefined, aggregator: 'sum' | 'max' = 'sum') =>
      new Gauge({
        name,
        help,
        registers,
        aggregator,
        collect() {
          this.reset();
          const value = read();
          if (value !== undefined) this.set(value);
        },
      });
    counter('ipfrs_cache_hits_total', 'Lookups answered by an existing mapping.', () => cache()?.hits);
    counter('ipfrs_cache_misses_total', 'Lookups that opened and mapped a file.', () => cache()?.misses);
    counter('ipfrs_cache_evictions_total', 'Mappings dropped by the LRU bounds.', () => cache()?.evictions);
    gauge('ipfrs_cache_entries', 'Files mapped in the cache.', () => cache()?.entries);
    gauge('ipfrs_cache_mapped_bytes', 'Bytes mapped by cached files.', () => cache()?.mappedBytes);
    gauge('ipfrs_cache_max_entries', 'Entry bound of the cache.', () => cache()?.maxEntries);
    gauge('ipfrs_cache_max_bytes', 'Mapped-bytes bound of the cache (+Inf: none).', () => {
      const max = cache()?.maxBytes;
      return max === undefined ? undefined : bound(max);
    });
    counter('ipfrs_bytes_served_total', 'Body bytes written by the download route.', () => this.bytesServed);
    gauge('ipfrs_requests_in_flight', 'Requests being answered.', () => this.inFlight);
    const responses = this.responses;
    new Counter({
      name: 'ipfrs_http_responses_total',
      help: 'Responses by route and status.',
      labelNames: ['route', 'status'],
      registers,
      collect() {
        this.reset();
        for (const [route, byStatus] of responses) for (const [status, count] of byStatus) this.inc({ route, status }, count);
      },
    });
    const grpcCalls = this.grpcCalls;
    new Counter({
      name: 'ipfrs_grpc_calls_total',
      help: 'gRPC calls by method and status code.',
      labelNames: ['method', 'code'],
      registers,
      collect() {
        this.reset();
        // Method paths come from the server's own services (grpc-js answers unknown ones before any interceptor).
        for (const [method, byCode] of grpcCalls) for (const [code, count] of byCode) this.inc({ method, code }, count);
      },
    });
    const fetches = () => this.fetches;
    new Counter({
      name: 'ipfrs_ipfs_fetches_total',
      help: 'Fetches of content from IPFS peers, by outcome.',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        const f = fetches();
        if (f) for (const outcome of ['started', 'completed', 'failed'] as const) this.inc({ outcome }, f[outcome]);
      },
    });
    counter('ipfrs_ipfs_fetched_bytes_total', 'File bytes fetched from peers and verified.', () => this.fetches?.bytes);
    counter('ipfrs_ipfs_peers_dropped_total', 'Peers dropped mid-fetch (a wrong block, a stall, a broken stream).', () => this.fetches?.peersDropped);
    gauge('ipfrs_uptime_seconds', 'Seconds since the server started.', () => Math.floor((Date.now() - this.startedAt) / 1000), 'max');
    // prom-client's registerMetric takes any object with a name and get(), as its own AggregatorRegistry does.
    this.registry.registerMetric(this.durations as never);
  }

  countResponse(route: string, status: number): void {
    let byStatus = this.responses.get(route);
    if (byStatus === undefined) this.responses.set(route, (byStatus = new Map()));
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }

  countGrpcCall(method: string, code: string): void {
    let byCode = this.grpcCalls.get(method);
    if (byCode === undefined) this.grpcCalls.set(method, (byCode = new Map()));
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
  }

  /** A request's time from its start to its last byte handed to the kernel (or its abort), in seconds. */
  observeDuration(iface: Interface, route: string, seconds: number): void {
    this.durations.observe(iface, route, seconds);
  }

  grpcCallsByCode(): Array<{ method: string; code: string; count: number }> {
    return [...this.grpcCalls].flatMap(([method, byCode]) => [...byCode].map(([code, count]) => ({ method, code, count })));
  }

  addBytes(n: number): void {
    this.bytesServed += n;
  }

  responsesByStatus(): Array<{ route: string; status: number; count: number }> {
    return [...this.responses].flatMap(([route, byStatus]) => [...byStatus].map(([status, count]) => ({ route, status, count })));
  }

  /** This process's metrics, with the process and runtime metrics when `runtime` (the server's). */
  async render(options: { runtime?: boolean } = {}): Promise<string> {
    const own = await this.registry.metrics();
    return options.runtime ? `${await runtimeRegistry().metrics()}\n${own}` : own;
  }

  /** This process's metrics and its runtime metrics as JSON, for a cluster's sum. */
  async json(): Promise<MetricsJson> {
    return [...(await runtimeRegistry().getMetricsAsJSON()), ...(await this.registry.getMetricsAsJSON())] as MetricsJson;
  }

  /** Several processes' metrics (json()) as one server's: counts and sizes add up, per prom-client's aggregators. */
  static async aggregate(parts: MetricsJson[]): Promise<string> {
    return AggregatorRegistry.aggregate(parts).metrics();
  }

  static readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
}

/**
 * prom-client's default metrics that `promtool check metrics` rejects (gauges named _total): each is the sum of
 * its labelled sibling (nodejs_active_handles{type}...), which stays.
 */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The process and Node runtime metrics: one registry per process (they describe the process, not a server). */
let runtime: Registry | null = null;
function runtimeRegistry(): Registry {
  if (runtime === null) {
    runtime = new Registry();
    collectDefaultMetrics({ register: runtime });
    for (const name of LINT_FAILING_DEFAULTS) runtime.removeSingleMetric(name);
  }
  return runtime;
}

/**
 * ipfrs_request_duration_seconds{interface, route}. Counted here rather than with prom-client's Histogram, whose
 * observe() hashes its label object on every call (1 to 2 us measured here): a cached range request takes tens of
 * microseconds. prom-client reads it through get(), in its own JSON shape, and its aggregators sum it by label.
 */
class DurationHistogram {
  readonly name = 'ipfrs_request_duration_seconds';
  readonly help = 'Request durations by interface (http, lane, grpc) and route (for gRPC, the method).';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** interface -> route -> counts per bucket (then +Inf), sum, count. */
  private readonly series = new Map<string, Map<string, { buckets: Float64Array; sum: number; count: number }>>();

  observe(iface: string, route: string, seconds: number): void {
    let byRoute = this.series.get(iface);
    if (byRoute === undefined) this.series.set(iface, (byRoute = new Map()));
    let s = byRoute.get(route);
    if (s === undefined) byRoute.set(route, (s = { buckets: new Float64Array(DURATION_BUCKETS.length + 1), sum: 0, count: 0 }));
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    s.buckets[i]!++;
    s.sum += seconds;
    s.count++;
  }

  get(): { name: string; help: string; type: string; values: MetricValueWithName<string>[]; aggregator: string } {
    const values: MetricValueWithName<string>[] = [];
    for (const [iface, byRoute] of this.series) {
      for (const [route, s] of byRoute) {
        const labels = { interface: iface, route };
        let cumulative = 0;
        for (let i = 0; i <= DURATION_BUCKETS.length; i++) {
          cumulative += s.buckets[i]!;
          values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: i < DURATION_BUCKETS.length ? DURATION_BUCKETS[i]! : '+Inf' }, value: cumulative });
        }
        values.push({ metricName: `${this.name}_sum`, labels, value: s.sum });
        values.push({ metricName: `${this.name}_count`, labels, value: s.count });
      }
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.series.clear();
  }
}
