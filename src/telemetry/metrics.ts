// Counters the server keeps, and their Prometheus text rendering. Pure, and a leaf: any layer may count.

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

export class Metrics {
  readonly startedAt = Date.now();
  /** Set when the server has peers (--peer). */
  fetches: FetchCounters | null = null;
  bytesServed = 0;
  inFlight = 0;
  /** Counts by route, then status: two lookups and no string made per response (it is counted on the hot path). */
  private readonly responses = new Map<string, Map<number, number>>();
  /** gRPC calls by method path (`/ipfrs.v1.TensorService/ReadSlice`), then status code name (`OK`, `NOT_FOUND`). */
  private readonly grpcCalls = new Map<string, Map<string, number>>();

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

  grpcCallsByCode(): Array<{ method: string; code: string; count: number }> {
    return [...this.grpcCalls].flatMap(([method, byCode]) => [...byCode].map(([code, count]) => ({ method, code, count })));
  }

  addBytes(n: number): void {
    this.bytesServed += n;
  }

  responsesByStatus(): Array<{ route: string; status: number; count: number }> {
    return [...this.responses].flatMap(([route, byStatus]) => [...byStatus].map(([status, count]) => ({ route, status, count })));
  }

  render(cache: CacheCounters): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[string, number]>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric('ipfrs_cache_hits_total', 'counter', 'Lookups answered by an existing mapping.', [['', cache.hits]]);
    metric('ipfrs_cache_misses_total', 'counter', 'Lookups that opened and mapped a file.', [['', cache.misses]]);
    metric('ipfrs_cache_evictions_total', 'counter', 'Mappings dropped by the LRU bounds.', [['', cache.evictions]]);
    metric('ipfrs_cache_entries', 'gauge', 'Files mapped in the cache.', [['', cache.entries]]);
    metric('ipfrs_cache_mapped_bytes', 'gauge', 'Bytes mapped by cached files.', [['', cache.mappedBytes]]);
    metric('ipfrs_cache_max_entries', 'gauge', 'Entry bound of the cache.', [['', cache.maxEntries]]);
    metric('ipfrs_cache_max_bytes', 'gauge', 'Mapped-bytes bound of the cache.', [['', cache.maxBytes]]);
    metric('ipfrs_bytes_served_total', 'counter', 'Body bytes written by the download route.', [['', this.bytesServed]]);
    metric('ipfrs_requests_in_flight', 'gauge', 'Requests being answered.', [['', this.inFlight]]);
    metric(
      'ipfrs_http_responses_total',
      'counter',
      'Responses by route and status.',
      this.responsesByStatus().map(({ route, status, count }) => [`{route="${route}",status="${status}"}`, count]),
    );
    metric(
      'ipfrs_grpc_calls_total',
      'counter',
      'gRPC calls by method and status code.',
      // Method paths come from the server's own services (grpc-js answers unknown ones before any interceptor).
      this.grpcCallsByCode().map(({ method, code, count }) => [`{method="${method}",code="${code}"}`, count]),
    );
    if (this.fetches) {
      const f = this.fetches;
      metric('ipfrs_ipfs_fetches_total', 'counter', 'Fetches of content from IPFS peers, by outcome.', [['{outcome="started"}', f.started], ['{outcome="completed"}', f.completed], ['{outcome="failed"}', f.failed]]);
      metric('ipfrs_ipfs_fetched_bytes_total', 'counter', 'File bytes fetched from peers and verified.', [['', f.bytes]]);
      metric('ipfrs_ipfs_peers_dropped_total', 'counter', 'Peers dropped mid-fetch (a wrong block, a stall, a broken stream).', [['', f.peersDropped]]);
    }
    metric('ipfrs_uptime_seconds', 'gauge', 'Seconds since the server started.', [['', Math.floor((Date.now() - this.startedAt) / 1000)]]);
    return `${lines.join('\n')}\n`;
  }
}
