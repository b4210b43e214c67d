// Access (section 9): streamed GraphQL uploads and rate-limit refusals.
// - RssAnon growth of the ipfrs server while a 1 GiB multipart upload (write token) streams into the store,
//   against graphql-yoga's own multipart parsing of the same upload (it holds the file in memory); then a 4 GiB
//   chunked upload against --max-upload 1g, and an upload cut off midway: refused / dropped, nothing left behind.
// - What a 429 costs: wrk req/s of refused requests (--rate-limit, bucket empty) against served ones (the same query
//   on a server without a limit). Bodies are generated as they are sent: nothing of 4 GiB is written to disk first.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { guarded, type BenchContext, type RowHeader } from './lib/context.ts';
import { requestScript, runWrk } from './lib/load.ts';
import { startIpfrs, startYogaUpload, type RunningServer } from './lib/servers.ts';
import { alternate, GiB, median, MiB, sleep } from './lib/stats.ts';
import { makeRow, skippedRow, type Row } from './lib/table.ts';
import { rssAnon, sampleRssAnon } from './lib/rss.ts';

const UPLOAD: RowHeader = {
  group: 'access',
  name: 'RssAnon growth, 1 GiB GraphQL upload (multipart, write token)',
  unit: 'MiB',
  baseline: "graphql-yoga's multipart parser",
  target: { on: 'value', op: '<', limit: 64 },
};
const REFUSED: RowHeader = { group: 'access', name: 'RssAnon growth, 4 GiB chunked upload vs --max-upload 1g', unit: 'MiB', baseline: '' };
const RATE: RowHeader = { group: 'access', name: 'rate-limit refusal (429) vs a served GraphQL request', unit: 'req/s', baseline: 'served cacheStats query' };

const BOUNDARY = 'ipfrsbench';

function head(size: number, query?: string): string {
  const operations = JSON.stringify(query ? { query, variables: { f: null } } : {
    query: 'mutation($f: File!, $s: [SafeInt!]) { addTensorFile(file: $f, dtype: U8, shape: $s) { __typename ... on TensorFile { cid size } ... on Error { code message } } }',
    variables: { f: null, s: [size] },
  });
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="0"; filename="zeros.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
}

interface UploadResult {
  status: number;
  body: string;
  sent: number;
  growth: number;
  seconds: number;
}

/** Streams a multipart upload of `size` file bytes (chunked), stopping at `cutAt` bytes or when the server answers. */
function streamUpload(server: RunningServer, size: number, token: string | null, options: { cutAt?: number; before: number; fill?: number; query?: string }): Promise<UploadResult> {
  const chunk = Buffer.alloc(4 * MiB, options.fill ?? 0);
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const sampler = sampleRssAnon(server.pid, options.before);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'x-graphql-yoga-csrf': '1' };
    if (token) headers.authorization = `Bearer ${token}`;
    const req = request(`${server.url}/graphql`, { method: 'POST', headers });
    let sent = 0;
    let answered = false;
    let status = 0;
    let body = '';
    const finish = () => {
      if (answered) return;
      answered = true;
      const peak = sampler.stop();
      req.destroy();
      resolve({ status, body, sent, growth: peak - options.before, seconds: (performance.now() - t0) / 1000 });
    };
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.on('data', (d) => (body += d));
      res.on('end', finish);
      res.on('error', finish);
    });
    req.on('error', finish);
    const pump = () => {
      while (!answered && sent < size) {
        if (options.cutAt !== undefined && sent >= options.cutAt) {
          // The client goes away midway.
          setTimeout(finish, 500);
          return;
        }
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      if (!answered) req.end(tail);
    };
    req.write(head(size, options.query));
    pump();
  });
}

async function settled(server: RunningServer): Promise<number> {
  // Warm-up: a small upload loads the code paths any upload uses.
  await streamUpload(server, 4096, adminToken(server), { before: 0 });
  await sleep(300);
  return rssAnon(server.pid);
}

let storeOf = new Map<RunningServer, string>();
function adminToken(server: RunningServer): string | null {
  const store = storeOf.get(server);
  return store ? readFileSync(join(store, 'admin-token'), 'utf8').trim() : null;
}

function leftovers(store: string): string[] {
  return readdirSync(join(store, 'tmp'));
}

export async function accessBench(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  rows.push(...(await guarded(ctx, [UPLOAD, REFUSED], () => uploadRows(ctx))));
  if (!ctx.tools.wrk) rows.push(skippedRow(RATE, 'wrk is not installed'));
  else rows.push(...(await guarded(ctx, [RATE], () => rateRow(ctx))));
  return rows;
}

async function uploadRows(ctx: BenchContext): Promise<Row[]> {
  const size = GiB;
  const store = join(ctx.tmpDir, 'upload-store');
  const limitedStore = join(ctx.tmpDir, 'upload-limited-store');
  rmSync(store, { recursive: true, force: true });
  rmSync(limitedStore, { recursive: true, force: true });
  storeOf = new Map();
  let ipfrs: RunningServer | undefined;
  let yoga: RunningServer | undefined;
  let limited: RunningServer | undefined;
  try {
    ipfrs = await startIpfrs(store, ctx.tmpDir, 'ipfrs-upload', ctx.profileDir, 0, ['--no-demo']);
    storeOf.set(ipfrs, store);
    yoga = await startYogaUpload(ctx.tmpDir);
    const notes: string[] = [];
    const rounds = ctx.quick ? 1 : 2;
    ctx.log(`  ${rounds} round(s) of a 1 GiB multipart upload, ipfrs and graphql-yoga side by side`);
    const speeds: number[] = [];
    let round = 0;
    const samples = await alternate(
      {
        ipfrs: async () => {
          // Other bytes each round, so each is ingested, not found already stored.
          const before = await settled(ipfrs!);
          const result = await streamUpload(ipfrs!, size, adminToken(ipfrs!), { before, fill: ++round });
          if (!/"__typename":"TensorFile"/.test(result.body)) throw new Error(`ipfrs refused the 1 GiB upload: ${result.status} ${result.body.slice(0, 300)}`);
          speeds.push(size / result.seconds / 1e9);
          return result.growth / MiB;
        },
        yoga: async () => {
          const before = rssAnon(yoga!.pid);
          const result = await streamUpload(yoga!, size, null, { before, query: 'mutation($f: File!) { upload(file: $f) }' });
          if (!/"upload":1073741824/.test(result.body)) throw new Error(`graphql-yoga did not take the upload: ${result.status} ${result.body.slice(0, 200)}`);
          return result.growth / MiB;
        },
      },
      rounds,
    );
    // Cut off midway: the temp file goes, nothing is added.
    const cut = await streamUpload(ipfrs, size, adminToken(ipfrs), { cutAt: 256 * MiB, before: rssAnon(ipfrs.pid), fill: 200 });
    await sleep(1000);
    const cutLeft = leftovers(store);
    if (cutLeft.length) throw new Error(`a cut-off upload left ${cutLeft.join(', ')} in tmp/`);
    notes.push(`median ${median(speeds).toFixed(2)} GB/s; cut off after ${cut.sent >> 20} MiB: nothing left in tmp/`);
    const uploadRow = makeRow({ ...UPLOAD, better: 'lower', values: samples.ipfrs, baselineValues: samples.yoga, ratioFloor: 1, note: notes.join('; ') });

    limited = await startIpfrs(limitedStore, ctx.tmpDir, 'ipfrs-upload-limited', ctx.profileDir, 0, ['--no-demo', '--max-upload', '1g']);
    storeOf.set(limited, limitedStore);
    const before = await settled(limited);
    const refused = await streamUpload(limited, 4 * GiB, adminToken(limited), { before });
    await sleep(1000);
    const left = leftovers(limitedStore);
    const typename = /"__typename":"(\w+)"/.exec(refused.body)?.[1] ?? `status ${refused.status}`;
    if (typename !== 'TooLargeError') throw new Error(`a 4 GiB upload against --max-upload 1g was answered ${refused.status} ${refused.body.slice(0, 200)}`);
    if (left.length) throw new Error(`the refused upload left ${left.join(', ')} in tmp/`);
    const refusedRow = makeRow({
      ...REFUSED,
      better: 'lower',
      values: [refused.growth / MiB],
      baselineValues: [],
      note: `refused (${typename}: ${/"message":"([^"]*)"/.exec(refused.body)?.[1] ?? ''}) after ${(refused.sent / GiB).toFixed(2)} GiB sent; nothing left in tmp/`,
    });
    return [uploadRow, refusedRow];
  } finally {
    await Promise.all([ipfrs?.stop(), yoga?.stop(), limited?.stop()]);
    rmSync(store, { recursive: true, force: true });
    rmSync(limitedStore, { recursive: true, force: true });
  }
}

async function rateRow(ctx: BenchContext): Promise<Row[]> {
  const store = join(ctx.tmpDir, 'rate-store');
  rmSync(store, { recursive: true, force: true });
  let limited: RunningServer | undefined;
  let open: RunningServer | undefined;
  try {
    // --rate-limit 0.001: after the first request every one is refused, for the whole run.
    limited = await startIpfrs(store, ctx.tmpDir, 'ipfrs-rate-limited', ctx.profileDir, 0, ['--no-demo', '--rate-limit', '0.001']);
    open = await startIpfrs(store, ctx.tmpDir, 'ipfrs-rate-open', ctx.profileDir, 0, ['--no-demo']);
    const token = readFileSync(join(store, 'admin-token'), 'utf8').trim();
    const seconds = ctx.quick ? 1 : 4;
    const rounds = ctx.quick ? 3 : 5;
    const script = requestScript({
      method: 'POST',
      path: '/graphql',
      body: JSON.stringify({ query: '{ cacheStats { entries hits } }' }),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    });
    const load = (server: RunningServer) => async () => (await runWrk(ctx.tools.wrk!, { url: server.url, seconds, connections: 8, script, tmpDir: ctx.tmpDir })).requestsPerSecond;
    await load(limited)();
    await load(open)();
    ctx.log(`  ${RATE.name}: ${rounds} rounds of ${seconds} s`);
    const samples = await alternate({ refused: load(limited), served: load(open) }, rounds);
    return [
      makeRow({
        ...RATE,
        better: 'higher',
        values: samples.refused,
        baselineValues: samples.served,
        note: 'a ratio above 1: a refusal costs less than a served request (it is answered before yoga parses anything)',
      }),
    ];
  } finally {
    await Promise.all([limited?.stop(), open?.stop()]);
    rmSync(store, { recursive: true, force: true });
  }
}
