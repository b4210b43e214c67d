import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newBoundary, planMultipart, type MultipartPlan } from '../../src/http/multipart.ts';
import { parseRange } from '../../src/http/range.ts';
import { NGINX_INSTALL, nginxBinary, startNginx, type RunningNginx } from '../helpers/nginx.ts';
import { requireTool } from '../helpers/tools.ts';
import { tempDir } from '../../src/devkit/paths.ts';
import { rawGet } from '../helpers/raw-http.ts';

const BODY = Buffer.from(Array.from({ length: 100 }, (_, i) => 65 + (i % 26)));

/** What the route writes: each head, then a view of the body, then the tail. */
function render(plan: MultipartPlan, body: Buffer): Buffer {
  const chunks: Buffer[] = [];
  for (const part of plan.parts) chunks.push(part.head, body.subarray(part.start, part.end));
  chunks.push(plan.tail);
  return Buffer.concat(chunks);
}

test('the framing is nginx\'s, byte for byte (captured from nginx 1.22.1)', () => {
  const plan = planMultipart(
    [
      { start: 0, end: 2 },
      { start: 3, end: 5 },
    ],
    100,
    'application/octet-stream',
    { boundary: '00000000000000000001' },
  );
  const want =
    '\r\n--00000000000000000001\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-1/100\r\n\r\nAB' +
    '\r\n--00000000000000000001\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 3-4/100\r\n\r\nDE' +
    '\r\n--00000000000000000001--\r\n';
  assert.is(render(plan, BODY).toString('latin1'), want);
  assert.is(plan.contentLength, 228); // nginx's Content-Length for this answer
  assert.is(plan.contentType, 'multipart/byteranges; boundary=00000000000000000001');
});

test('parts keep the order and overlaps they were asked with', () => {
  const plan = planMultipart(
    [
      { start: 99, end: 100 },
      { start: 0, end: 1 },
      { start: 0, end: 1 },
    ],
    100,
    'application/x-npy',
    { boundary: 'b' },
  );
  assert.equal(
    plan.parts.map((p) => p.head.toString().match(/bytes (\S+)/)![1]),
    ['99-99/100', '0-0/100', '0-0/100'],
  );
  assert.ok(plan.parts[0]!.head.toString().includes('Content-Type: application/x-npy\r\n'));
});

test('no part type: the Content-Type line is left out, as nginx does', () => {
  const plan = planMultipart([{ start: 0, end: 1 }], 10, null, { boundary: 'x' });
  assert.is(plan.parts[0]!.head.toString(), '\r\n--x\r\nContent-Range: bytes 0-0/10\r\n\r\n');
  assert.is(planMultipart([{ start: 0, end: 1 }], 10, '', { boundary: 'x' }).parts[0]!.head.toString(), plan.parts[0]!.head.toString());
});

test('boundaries look like nginx\'s: 20 digits, and differ', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const b = newBoundary();
    assert.match(b, /^[0-9]{20}$/);
    seen.add(b);
  }
  assert.is(seen.size, 50);
});

test('bad input is refused', () => {
  assert.throws(() => planMultipart([{ start: 5, end: 5 }], 10, null), RangeError);
  assert.throws(() => planMultipart([{ start: 0, end: 11 }], 10, null), RangeError);
  assert.throws(() => planMultipart([{ start: -1, end: 1 }], 10, null), RangeError);
  assert.throws(() => planMultipart([{ start: 0, end: 1 }], 10, null, { boundary: 'has space' }), TypeError);
  assert.throws(() => planMultipart([{ start: 0, end: 1 }], 10, null, { boundary: 'x'.repeat(71) }), TypeError);
  assert.throws(() => planMultipart([{ start: 0, end: 1 }], 10, 'text/plain\r\nX-Evil: 1'), TypeError);
});

test('offsets above 4 GiB are printed exactly', () => {
  const length = 2 ** 40 + 7;
  const plan = planMultipart([{ start: 2 ** 33, end: 2 ** 33 + 10 }, { start: length - 1, end: length }], length, null, { boundary: 'b' });
  assert.ok(plan.parts[0]!.head.toString().includes(`bytes 8589934592-8589934601/${length}`));
  assert.ok(plan.parts[1]!.head.toString().includes(`bytes ${length - 1}-${length - 1}/${length}`));
  assert.is(plan.contentLength, plan.parts[0]!.head.length + plan.parts[1]!.head.length + 11 + plan.tail.length);
});

test('property: contentLength is the length of what gets written', () => {
  const ranges = fc.array(
    fc.tuple(fc.nat(99), fc.integer({ min: 1, max: 100 })).map(([s, n]) => ({ start: s, end: Math.min(100, s + n) })),
    { minLength: 1, maxLength: 10 },
  );
  fc.assert(
    fc.property(ranges, fc.option(fc.constantFrom('application/octet-stream', 'application/x-npy'), { nil: null }), (rs, type) => {
      const plan = planMultipart(rs, 100, type);
      assert.is(render(plan, BODY).length, plan.contentLength);
    }),
    { numRuns: 500 },
  );
});

let nginx: RunningNginx | null = null;
let dir: ReturnType<typeof tempDir> | null = null;

beforeAll(test, async () => {
  if (!nginxBinary()) return; // the live test says so
  dir = tempDir('ipfrs-multipart-');
  writeFileSync(join(dir.path, 'f'), BODY);
  nginx = await startNginx({ root: dir.path });
});

test.after(async () => {
  await nginx?.stop();
  dir?.cleanup();
});

test('live: bodies equal nginx\'s once the boundary is swapped, Content-Length too', async () => {
  if (!nginx) {
    requireTool('nginx', null, NGINX_INSTALL); // throws, unless IPFRS_SKIP_E2E=1
    return;
  }
  const headers = ['bytes=0-1,3-4', 'bytes=-1,0-0', 'bytes=0-10,5-15', 'bytes=98-200,5-2,0-0', 'bytes=0-49,50-99', 'bytes= 1-1 , 2-2 , 90-', 'bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12'];
  for (const header of headers) {
    const res = await rawGet(nginx.port, '/f', [`Range: ${header}`]);
    const boundary = /boundary=(\S+)/.exec(res.headers['content-type'] ?? '')?.[1];
    assert.ok(boundary, `${header}: ${res.status} ${res.headers['content-type']}`);
    const answer = parseRange(header, BODY.length);
    assert.is(answer.kind, 'partial');
    if (answer.kind !== 'partial') continue;
    const plan = planMultipart(answer.ranges, BODY.length, 'application/octet-stream', { boundary: boundary! });
    assert.is(render(plan, BODY).toString('latin1'), res.body.toString('latin1'), header);
    assert.is(plan.contentLength, Number(res.headers['content-length']), header);
    assert.is(plan.contentType, res.headers['content-type'], header);
  }
});

test.run();
