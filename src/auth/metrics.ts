// The access model's counters in /metrics: requests refused by the rate limit (by interface) and connections open
// and refused by the caps. Registered in the server's prom-client registry, read at scrape.
import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../telemetry/metrics.ts';
import type { RateLimiter } from './rate-limit.ts';

export function registerAccessMetrics(metrics: Metrics, limiter: RateLimiter | null, connections: { open: number; refused: number } | null): void {
  const registers = [metrics.registry];
  new Counter({
    name: 'ipfrs_rate_limited_total',
    help: 'Requests refused with 429 by the per-client rate limit, by interface.',
    labelNames: ['interface'],
    registers,
    collect() {
      this.reset();
      const refused = limiter?.refused ?? new Map<string, number>();
      // Both series exist from the start, so that a rate() over them is defined before the first refusal.
      if (refused.size === 0) for (const iface of ['graphql', 'download']) this.inc({ interface: iface }, 0);
      for (const [iface, count] of refused) this.inc({ interface: iface }, count);
    },
  });
  if (!connections) return;
  new Gauge({
    name: 'ipfrs_connections_open',
    help: 'Open client connections.',
    registers,
    collect() {
      this.set(connections.open);
    },
  });
  new Counter({
    name: 'ipfrs_connections_refused_total',
    help: 'Connections refused by --max-connections (per client or in total).',
    registers,
    collect() {
      this.reset();
      this.inc(connections.refused);
    },
  });
}
