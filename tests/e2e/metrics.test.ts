// /metrics of a whole server (src/telemetry/metrics.ts through prom-client): every contract name, the process and
// Node runtime metrics, request-duration histograms for each interface (node:http, the download lane, gRPC), the
// cache's "no byte limit" as +Inf; and Prometheus' own checker, promtool (Debian's prometheus package), accepts it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { beforeAll } from '../helpers/hooks.ts';
import { call, grpcClients } from '../helpers/grpc.ts';
import { promtoolCheck, promtoolPath } from '../helpers/tools.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { tempDir } from '../../src/devkit/paths.ts';

let dir: ReturnType<typeof tempDir>;
let server: RunningServer;

const promtool = promtoolPath();
const check = (text: string) => promtoolCheck(promtool!, text);

beforeAll(test, async () => {
  dir = tempDir('ipfrs-metrics-');
  server = await startServer({ storeRoot: join(dir.path, 'store'), port: 0, grpcPort: 0, seedDemo: true, publicMode: true, logger: silentLogger });
});

test.after(async () => {
  await server?.close();
  dir?.cleanup();
});

function rangeOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false, headers: { range: 'bytes=0-3' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    }).on('error', reject);
  });
}

async function scrape(): Promise<string> {
  const res = await fetch(`${server.url}/metrics`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  return res.text();
}

test('every contract name, the runtime metrics, a histogram per interface, and +Inf for no byte bound', async () => {
  const list = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' },
    body: JSON.stringify({ query: '{ tensorFiles(first: 1) { edges { node { cid } } } }' }),
  });
  const cid = ((await list.json()) as { data: { tensorFiles: { edges: Array<{ node: { cid: string } }> } } }).data.tensorFiles.edges[0]!.node.cid;
  // Each on a new connection, whose first request is a download: the download lane answers it.
  for (let i = 0; i < 3; i++) assert.is(await rangeOnNewConnection(`${server.url}/v1/blob/${cid}`), 206);
  const clients = grpcClients(server.grpc!.address);
  try {
    await call(clients.cache.GetStats.bind(clients.cache), {});
  } finally {
    clients.close();
  }
  // A request is counted once its last byte has gone to the kernel, which can be just after the client read it.
  let text = await scrape();
  for (let waited = 0; !/^ipfrs_request_duration_seconds_count\{interface="lane",route="download"\} 3$/m.test(text) && waited < 2000; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
    text = await scrape();
  }
  const names = [
    'ipfrs_cache_hits_total', 'ipfrs_cache_misses_total', 'ipfrs_cache_evictions_total', 'ipfrs_cache_entries', 'ipfrs_cache_mapped_bytes',
    'ipfrs_cache_max_entries', 'ipfrs_cache_max_bytes', 'ipfrs_bytes_served_total', 'ipfrs_requests_in_flight', 'ipfrs_http_responses_total',
    'ipfrs_grpc_calls_total', 'ipfrs_uptime_seconds', 'ipfrs_rate_limited_total', 'ipfrs_connections_open', 'ipfrs_connections_refused_total',
    'ipfrs_request_duration_seconds', 'process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_gc_duration_seconds',
  ];
  for (const name of names) assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'), name);
  assert.match(text, /^# TYPE ipfrs_request_duration_seconds histogram$/m);
  assert.match(text, /^ipfrs_cache_max_bytes \+Inf$/m, 'no byte bound: +Inf, not 2^53');
  assert.not.match(text, /9007199254740991/);
  const count = (labels: string) => Number(new RegExp(`^ipfrs_request_duration_seconds_count\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  assert.ok(count('interface="http",route="graphql"') >= 1, 'GraphQL on node:http');
  assert.is(count('interface="lane",route="download"'), 3, 'range requests on the download lane');
  assert.is(count('interface="grpc",route="/ipfrs.v1.CacheService/GetStats"'), 1, 'a gRPC call');
  // Buckets are cumulative and end with +Inf = count.
  const buckets = [...text.matchAll(/^ipfrs_request_duration_seconds_bucket\{interface="lane",route="download",le="([^"]+)"\} (\d+)$/gm)];
  assert.ok(buckets.length > 10);
  for (let i = 1; i < buckets.length; i++) assert.ok(Number(buckets[i]![2]) >= Number(buckets[i - 1]![2]));
  assert.equal(buckets.at(-1)!.slice(1), ['+Inf', '3']);
});

test('promtool check metrics accepts /metrics (and rejects a broken text, so the check is real)', async () => {
  const text = await scrape();
  assert.ok(text.split('\n').length > 100);
  const verdict = check(text);
  assert.equal(verdict, { code: 0, output: '' }, verdict.output);
  const broken = check(`${text}ipfrs_cache_entries{oops 1\n`);
  assert.is.not(broken.code, 0, 'a malformed line fails');
  const linted = check('# HELP x_total a gauge named like a counter\n# TYPE x_total gauge\nx_total 1\n');
  assert.is.not(linted.code, 0, 'lint problems fail too');
  execFileSync(promtool!, ['--version'], { stdio: 'ignore' });
});

test.run();
