// The server's counters and their Prometheus text (src/telemetry/metrics.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Metrics } from '../../src/telemetry/metrics.ts';

const CACHE = { entries: 2, mappedBytes: 4096, hits: 7, misses: 3, evictions: 1, maxEntries: 16, maxBytes: 1 << 30 };

test('responses counted by route and status; bytes added up', () => {
  const metrics = new Metrics();
  metrics.countResponse('download', 200);
  metrics.countResponse('download', 200);
  metrics.countResponse('download', 404);
  metrics.countResponse('graphql', 200);
  metrics.addBytes(10);
  metrics.addBytes(5);
  assert.is(metrics.bytesServed, 15);
  assert.equal(metrics.responsesByStatus(), [
    { route: 'download', status: 200, count: 2 },
    { route: 'download', status: 404, count: 1 },
    { route: 'graphql', status: 200, count: 1 },
  ]);
});

test('render: HELP and TYPE for every metric, the samples, one trailing newline', async () => {
  const metrics = new Metrics();
  metrics.cacheSource = () => CACHE;
  metrics.countResponse('download', 206);
  metrics.addBytes(123);
  metrics.inFlight = 2;
  const text = await metrics.render();
  assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'));
  const lines = text.trimEnd().split('\n');
  const want: Array<[string, string, string]> = [
    ['ipfrs_cache_hits_total', 'counter', 'ipfrs_cache_hits_total 7'],
    ['ipfrs_cache_misses_total', 'counter', 'ipfrs_cache_misses_total 3'],
    ['ipfrs_cache_evictions_total', 'counter', 'ipfrs_cache_evictions_total 1'],
    ['ipfrs_cache_entries', 'gauge', 'ipfrs_cache_entries 2'],
    ['ipfrs_cache_mapped_bytes', 'gauge', 'ipfrs_cache_mapped_bytes 4096'],
    ['ipfrs_cache_max_entries', 'gauge', 'ipfrs_cache_max_entries 16'],
    ['ipfrs_cache_max_bytes', 'gauge', `ipfrs_cache_max_bytes ${1 << 30}`],
    ['ipfrs_bytes_served_total', 'counter', 'ipfrs_bytes_served_total 123'],
    ['ipfrs_requests_in_flight', 'gauge', 'ipfrs_requests_in_flight 2'],
    ['ipfrs_http_responses_total', 'counter', 'ipfrs_http_responses_total{route="download",status="206"} 1'],
  ];
  for (const [name, type, sample] of want) {
    assert.ok(lines.some((l) => l.startsWith(`# HELP ${name} `)), `HELP ${name}`);
    assert.ok(lines.includes(`# TYPE ${name} ${type}`), `TYPE ${name}`);
    assert.ok(lines.includes(sample), sample);
  }
  assert.match(text, /^ipfrs_uptime_seconds \d+$/m);
  // Every line is a comment, `name{labels} value` or the blank line prom-client puts between metrics.
  for (const line of lines) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? (\d+(\.\d+)?(e-?\d+)?|\+Inf)|)$/, line);
});

test.run();
