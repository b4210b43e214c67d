// The access model's counters as Prometheus text, appended to /metrics: requests refused by the rate limit (by
// interface) and connections refused by the caps. Pure.
import type { RateLimiter } from './rate-limit.ts';

export function accessMetricsText(limiter: RateLimiter | null, connections: { open: number; refused: number } | null): string {
  const lines = [
    '# HELP ipfrs_rate_limited_total Requests refused with 429 by the per-client rate limit, by interface.',
    '# TYPE ipfrs_rate_limited_total counter',
  ];
  const refused = limiter?.refused ?? new Map<string, number>();
  if (refused.size === 0) lines.push('ipfrs_rate_limited_total{interface="graphql"} 0', 'ipfrs_rate_limited_total{interface="download"} 0');
  for (const [iface, count] of refused) lines.push(`ipfrs_rate_limited_total{interface="${iface}"} ${count}`);
  if (connections) {
    lines.push(
      '# HELP ipfrs_connections_open Open client connections.',
      '# TYPE ipfrs_connections_open gauge',
      `ipfrs_connections_open ${connections.open}`,
      '# HELP ipfrs_connections_refused_total Connections refused by --max-connections (per client or in total).',
      '# TYPE ipfrs_connections_refused_total counter',
      `ipfrs_connections_refused_total ${connections.refused}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
