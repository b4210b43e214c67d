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

let fx: Fixture;
let route: RouteServer;
let nginx: RunningNginx;
let root: ReturnType<typeof tempDir>;
let blobLink: string;
let sliceLink: string;
let sliceLength: number;

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
});

test.after(async () => {
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

/** Runs the cases on both servers; returns the statuses seen (multipart 206 as '206m'), to show what was covered. */
async function runCases(ourPath: string, nginxPath: string, cases: typeof CASES): Promise<string[]> {
  const ourTag = await etagOf(route.port, ourPath);
  const theirTag = await etagOf(nginx.port, nginxPath);
  assert.ok(ourTag && theirTag);
  const seen: string[] = [];
  for (const [name, lines, method = 'GET'] of cases) {
    const [ours, theirs] = await Promise.all([
      rawGet(route.port, ourPath, lines.map((l) => l.replace('$ETAG', ourTag)), method),
      rawGet(nginx.port, nginxPath, lines.map((l) => l.replace('$ETAG', theirTag)), method),
    ]);
    compare(ours, theirs, `${name} [${lines.join(' | ')}]`);
    seen.push(`${theirs.status}${theirs.headers['content-type']?.startsWith('multipart/') ? 'm' : ''}`);
  }
  return seen;
}

test('the blob route answers every Range case as nginx does', async () => {
  const seen = await runCases(blobLink, '/blob', CASES);
  assert.ok(seen.length >= 25, `${seen.length} cases`);
  assert.equal([...new Set(seen)].sort(), ['200', '206', '206m', '304', '412', '416']);
});

test('a slice link is its own resource: it answers as nginx serving exactly the slice bytes', async () => {
  assert.ok(sliceLength > 100 && sliceLength < fx.model.bytes.length);
  const S = sliceLength;
  // The blob cases, with offsets that fall inside the slice's own length (and past it).
  const cases = CASES.map(([name, lines, method]): [string, string[], string?] => [
    name,
    lines.map((l) => l.replaceAll(String(L - 1), String(S - 1)).replaceAll(`${L - 10}-`, `${S - 10}-`).replaceAll(`${L - 5}-`, `${S - 5}-`)),
    method,
  ]);
  cases.push(['past the slice, inside the file', [`Range: bytes=${S}-${S + 10}`]], ['the whole slice by suffix', [`Range: bytes=-${S}`]]);
  const seen = await runCases(sliceLink, '/slice', cases);
  assert.ok(seen.length >= 25, `${seen.length} cases`);
  assert.equal([...new Set(seen)].sort(), ['200', '206', '206m', '304', '412', '416']);
});

test('two Range headers: both take the first', async () => {
  const lines = ['Range: bytes=0-1', 'Range: bytes=5-6'];
  compare(await rawGet(route.port, blobLink, lines), await rawGet(nginx.port, '/blob', lines), 'two Range headers');
});

test.run();
