// The download route against nginx 1.22 (Debian nginx-light) over the same bytes, request for request, sent byte
// for byte over bare sockets. tests/http/range.test.ts checks the pure parser against nginx; this goes through the
// real route: signature check, store lookup, mmap views, headers, multipart framing, HEAD and conditionals.
//
// Compared: status, Content-Range, Content-Length and body bytes; multipart bodies part by part (headers and
// bytes) and their total length (the framing is nginx's, only the random boundary differs). Each server's own
// ETag is used where a case needs "the current ETag". 416 bodies are each server's own error message (nginx's is
// an HTML page), so for 416 and 412 only the status and `Content-Range` (`bytes */<len>` for 416) are compared.
// The slice is served raw (nginx types it application/octet-stream, as we type a raw slice); the .npy form, whose
// ranges cross from the header into the data, is covered in http-download.test.ts.
//
// Every case runs twice: against the route in this process, and against `ipfrs serve --workers 2` (the built bin)
// over the same store, each request on a connection of its own so both workers answer some.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { requireTool } from '../helpers/tools.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadPath } from '../../src/http/paths.ts';
import { NGINX_INSTALL, nginxBinary, startNginx, type RunningNginx } from '../helpers/nginx.ts';
import { tempDir } from '../../src/devkit/paths.ts';
import { rawGet, type RawResponse } from '../helpers/raw-http.ts';
import { BLOB_SIZE, makeFixture, parseMultipart, startRoute, type Fixture, type RouteServer } from '../helpers/download-server.ts';
import { spawnServer, type ServerChild } from '../../src/devkit/serve-child.ts';
import { keyRingFromJSON, signPath } from '../../src/http/sign.ts';
import { readFileSync } from 'node:fs';

let fx: Fixture;
let route: RouteServer;
let nginx: RunningNginx;
let root: ReturnType<typeof tempDir>;
let blobLink: string;
let sliceLink: string;
let sliceLength: number;
let cluster: ServerChild;

/** A server under test: its port and the signed links to the blob and to the slice. */
interface Target {
  name: string;
  port: number;
  blob: string;
  slice: string;
}
let targets: Target[];

beforeAll(test, async () => {
  requireTool('nginx', nginxBinary(), NGINX_INSTALL);
  fx = await makeFixture();
  route = await startRoute(fx);
  blobLink = route.sign(downloadPath({ kind: 'blob', cid: fx.blob.record.cid }));
  sliceLink = route.sign(downloadPath({ kind: 'tensor', cid: fx.model.record.cid, name: 'w' }), { slice: '::3, 2:9' });
  // nginx serves the blob's bytes, and the slice's bytes as a file of their own: the slice is its own resource.
  const slice = await rawGet(route.port, sliceLink, []);
  sliceLength = slice.body.length;
  root = tempDir('ipfrs-nginx-root-');
  writeFileSync(join(root.path, 'blob'), fx.blob.bytes);
  writeFileSync(join(root.path, 'slice'), slice.body);
  nginx = await startNginx({ root: root.path });
  const store = join(fx.dir.path, 'store');
  cluster = await spawnServer(store, ['--workers', '2', '--public'], { timeoutMs: 120_000, built: true });
  // The server made the store's signing keys at start: links signed with them are its own.
  const ring = keyRingFromJSON(JSON.parse(readFileSync(join(store, 'signing-keys.json'), 'utf8')));
  const sign = (path: string, params: Record<string, string> = {}) => signPath(path, params, { ring, expiresIn: 900 }).url;
  targets = [
    { name: 'in process', port: route.port, blob: blobLink, slice: sliceLink },
    {
      name: '--workers 2',
      port: cluster.port,
      blob: sign(downloadPath({ kind: 'blob', cid: fx.blob.record.cid })),
      slice: sign(downloadPath({ kind: 'tensor', cid: fx.model.record.cid, name: 'w' }), { slice: '::3, 2:9' }),
    },
  ];
});

test.after(async () => {
  if (cluster?.alive()) await cluster.stop();
  await nginx?.stop();
  await route?.close();
  root?.cleanup();
  fx?.close();
});

const L = BLOB_SIZE;
const OLD_DATE = 'Tue, 15 Nov 1994 08:12:31 GMT';

/** [name, header lines, method]. `$ETAG` is replaced by each server's own current ETag. */
const CASES: Array<[string, string[], string?]> = [
  ['no Range', []],
  ['0-0', ['Range: bytes=0-0']],
  ['0-', ['Range: bytes=0-']],
  ['-1', ['Range: bytes=-1']],
  ['-0', ['Range: bytes=-0']],
  ['a middle range', ['Range: bytes=100-199']],
  ['the last byte by number', [`Range: bytes=${L - 1}-${L - 1}`]],
  ['end past EOF', [`Range: bytes=${L - 10}-${L + 500}`]],
  ['start at EOF', [`Range: bytes=${L}-`]],
  ['start past EOF', [`Range: bytes=${L + 1}-${L + 100}`]],
  ['5-2', ['Range: bytes=5-2']],
  ['5-2 with a good range', ['Range: bytes=5-2,0-1']],
  ['suffix longer than the body', [`Range: bytes=-${L * 2}`]],
  ['huge end', ['Range: bytes=0-9223372036854775807']],
  ['end overflows off_t', ['Range: bytes=0-9223372036854775808']],
  ['two ranges', ['Range: bytes=0-9,20-29']],
  ['several ranges, unsorted', [`Range: bytes=${L - 5}-,0-0,100-149,-3`]],
  ['overlapping ranges', ['Range: bytes=0-99,50-149']],
  ['ranges adding up to the length', [`Range: bytes=0-4999,5000-${L - 1}`]],
  ['ranges adding up to more than the length', [`Range: bytes=0-4999,5000-${L - 1},0-0`]],
  ['a range past EOF among good ones', [`Range: bytes=0-0,${L + 5}-,10-19`]],
  ['another unit', ['Range: items=0-1']],
  ['garbage', ['Range: garbage']],
  ['bad syntax after bytes=', ['Range: bytes=abc']],
  ['1-2-3', ['Range: bytes=1-2-3']],
  ['trailing comma', ['Range: bytes=0-1,']],
  ['unit in capitals', ['Range: BYTES=0-1']],
  ['spaces around numbers', ['Range: bytes= 0 - 1 , 3 - 4']],
  ['empty Range', ['Range: ']],
  ['If-Range with the current ETag', ['Range: bytes=10-19', 'If-Range: $ETAG']],
  ['If-Range with the current ETag, multipart', ['Range: bytes=10-19,30-39', 'If-Range: $ETAG']],
  ['If-Range with a stale ETag', ['Range: bytes=10-19', 'If-Range: "stale"']],
  ['If-Range with a weak ETag', ['Range: bytes=10-19', 'If-Range: W/$ETAG']],
  ['If-Range with an old date', ['Range: bytes=10-19', `If-Range: ${OLD_DATE}`]],
  ['If-None-Match with the current ETag', ['If-None-Match: $ETAG']],
  ['If-None-Match in a list', ['If-None-Match: "a", $ETAG']],
  ['If-None-Match *', ['If-None-Match: *']],
  ['If-None-Match wins over Range', ['If-None-Match: $ETAG', 'Range: bytes=0-0']],
  ['If-None-Match with another ETag', ['If-None-Match: "other"', 'Range: bytes=0-0']],
  ['If-Match with another ETag', ['If-Match: "other"']],
  ['If-Match with the current ETag and a Range', ['If-Match: $ETAG', 'Range: bytes=1-2']],
  ['HEAD', [], 'HEAD'],
  ['HEAD with a range', ['Range: bytes=5-9'], 'HEAD'],
  ['HEAD with two ranges', ['Range: bytes=5-9,0-0'], 'HEAD'],
  ['HEAD past EOF', [`Range: bytes=${L}-`], 'HEAD'],
  ['HEAD with If-None-Match', ['If-None-Match: $ETAG'], 'HEAD'],
];

async function etagOf(port: number, path: string): Promise<string> {
  return (await rawGet(port, path, [], 'HEAD')).headers.etag!;
}

function compare(ours: RawResponse, theirs: RawResponse, where: string): void {
  assert.is(ours.status, theirs.status, `${where}: status`);
  assert.is(ours.headers['content-range'], theirs.headers['content-range'], `${where}: Content-Range`);
  if (ours.status >= 400) return; // bodies are each server's own error message
  assert.is(ours.headers['content-length'], theirs.headers['content-length'], `${where}: Content-Length`);
  const type = theirs.headers['content-type'] ?? '';
  if (type.startsWith('multipart/byteranges') && theirs.body.length > 0) {
    assert.match(ours.headers['content-type']!, /^multipart\/byteranges; boundary=\d{20}$/, where);
    const mine = parseMultipart(ours.body, ours.headers['content-type']!);
    const ref = parseMultipart(theirs.body, type);
    assert.is(mine.length, ref.length, `${where}: parts`);
    mine.forEach((part, i) => {
      assert.equal(part.headers, ref[i]!.headers, `${where}: part ${i} headers`);
      assert.ok(part.body.equals(ref[i]!.body), `${where}: part ${i} bytes`);
    });
    return;
  }
  assert.ok(ours.body.equals(theirs.body), `${where}: body (${ours.body.length} vs ${theirs.body.length} bytes)`);
}

/** Runs the cases on ours and nginx; returns the statuses seen (multipart 206 as '206m'), to show what was covered. */
async function runCases(port: number, ourPath: string, nginxPath: string, cases: typeof CASES): Promise<string[]> {
  const ourTag = await etagOf(port, ourPath);
  const theirTag = await etagOf(nginx.port, nginxPath);
  assert.ok(ourTag && theirTag);
  const seen: string[] = [];
  for (const [name, lines, method = 'GET'] of cases) {
    const [ours, theirs] = await Promise.all([
      rawGet(port, ourPath, lines.map((l) => l.replace('$ETAG', ourTag)), method),
      rawGet(nginx.port, nginxPath, lines.map((l) => l.replace('$ETAG', theirTag)), method),
    ]);
    compare(ours, theirs, `${name} [${lines.join(' | ')}]`);
    seen.push(`${theirs.status}${theirs.headers['content-type']?.startsWith('multipart/') ? 'm' : ''}`);
  }
  return seen;
}

test('the blob route answers every Range case as nginx does, in process and with 2 workers', async () => {
  for (const target of targets) {
    const seen = await runCases(target.port, target.blob, '/blob', CASES);
    assert.ok(seen.length >= 25, `${target.name}: ${seen.length} cases`);
    assert.equal([...new Set(seen)].sort(), ['200', '206', '206m', '304', '412', '416'], target.name);
  }
});

test('a slice link is its own resource: it answers as nginx serving exactly the slice bytes, both ways', async () => {
  assert.ok(sliceLength > 100 && sliceLength < fx.model.bytes.length);
  const S = sliceLength;
  // The blob cases, with offsets that fall inside the slice's own length (and past it).
  const cases = CASES.map(([name, lines, method]): [string, string[], string?] => [
    name,
    lines.map((l) => l.replaceAll(String(L - 1), String(S - 1)).replaceAll(`${L - 10}-`, `${S - 10}-`).replaceAll(`${L - 5}-`, `${S - 5}-`)),
    method,
  ]);
  cases.push(['past the slice, inside the file', [`Range: bytes=${S}-${S + 10}`]], ['the whole slice by suffix', [`Range: bytes=-${S}`]]);
  for (const target of targets) {
    const seen = await runCases(target.port, target.slice, '/slice', cases);
    assert.ok(seen.length >= 25, `${target.name}: ${seen.length} cases`);
    assert.equal([...new Set(seen)].sort(), ['200', '206', '206m', '304', '412', '416'], target.name);
  }
});

test('two Range headers: both take the first', async () => {
  const lines = ['Range: bytes=0-1', 'Range: bytes=5-6'];
  for (const target of targets) compare(await rawGet(target.port, target.blob, lines), await rawGet(nginx.port, '/blob', lines), `two Range headers, ${target.name}`);
});

test('with 2 workers, both workers answered the cases', async () => {
  // Each rawGet is a connection of its own; the workers' pids in /metrics would need a scrape per worker, so ask
  // the server which workers it has and check the download counters of each through cacheStats' per-worker list.
  const response = await fetch(`${cluster.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ cacheStats { workers { pid misses } } }' }) });
  const workers = ((await response.json()) as { data: { cacheStats: { workers: Array<{ pid: number; misses: number }> } } }).data.cacheStats.workers;
  assert.is(workers.length, 2);
  for (const worker of workers) assert.ok(worker.misses > 0, `worker ${worker.pid} served no download: ${JSON.stringify(workers)}`);
});

test.run();
