import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { etagListMatches, evaluatePreconditions, ifRangeMatches } from '../../src/http/conditional.ts';
import { NGINX_INSTALL, nginxBinary, startNginx, type RunningNginx } from '../helpers/nginx.ts';
import { requireTool } from '../helpers/tools.ts';
import { tempDir } from '../../src/devkit/paths.ts';
import { rawGet } from '../helpers/raw-http.ts';

const E = '"bafkreiabc/w.0?slice=0%3A2"';

// If-None-Match (weak comparison). Rows were checked against nginx 1.22.1 with its own ETag in place of E.
const IF_NONE_MATCH: Array<[string, boolean]> = [
  [E, true],
  [`W/${E}`, true], // weak comparison ignores W/
  [`"a", ${E}`, true],
  [`"a",${E}`, true],
  [`"a", W/${E}`, true],
  [`"a",,  W/${E}`, true],
  [`${E} \t, "b"`, true],
  [`  ${E}  `, true],
  ['*', true],
  ['"a"', false],
  ['*, "a"', false], // `*` only alone
  [`${E}x`, false],
  [`"a" ${E}`, false], // no comma, one member
  [`W/"a" W/${E}`, false],
  [E.slice(0, -1), false], // unterminated
  [E.slice(1, -1), false], // unquoted
  ['', false],
];

// If-Match (strong comparison).
const IF_MATCH: Array<[string, boolean]> = [
  [E, true],
  ['*', true],
  [`"x", ${E}`, true],
  [`W/${E}`, false],
  ['"x"', false],
];

// If-Range: honour the Range only for exactly our ETag.
const IF_RANGE: Array<[string | undefined, boolean]> = [
  [undefined, true],
  [E, true],
  [`  ${E}  `, true],
  [`W/${E}`, false],
  ['"stale"', false],
  ['Tue, 24 Nov 2026 02:45:53 GMT', false], // a date: we have no Last-Modified
  ['garbage', false],
  ['"', false],
  ['""', false],
  [`${E},"x"`, false],
  [`${E.slice(1)}`, false],
];

test('If-None-Match matches as nginx does', () => {
  for (const [list, want] of IF_NONE_MATCH) assert.is(etagListMatches(list, E, true), want, list);
});

test('If-Match compares strongly', () => {
  for (const [list, want] of IF_MATCH) assert.is(etagListMatches(list, E, false), want, list);
});

test('If-Range honours a Range only for our exact ETag', () => {
  for (const [value, want] of IF_RANGE) assert.is(ifRangeMatches(value, E), want, String(value));
});

test('a weak ETag of ours is matched weakly by If-None-Match only', () => {
  const weak = 'W/"x"';
  assert.ok(etagListMatches('"x"', weak, true));
  assert.ok(etagListMatches('W/"x"', weak, true));
  assert.not.ok(etagListMatches('"x"', weak, false));
});

test('evaluatePreconditions: 412, then 304, then If-Range', () => {
  const kind = (h: Parameters<typeof evaluatePreconditions>[0]) => JSON.parse(JSON.stringify(evaluatePreconditions(h, E)));
  assert.equal(kind({}), { kind: 'proceed', honourRange: true });
  assert.equal(kind({ ifNoneMatch: E }), { kind: 'not-modified' });
  assert.equal(kind({ ifNoneMatch: '"a"' }), { kind: 'proceed', honourRange: true });
  assert.equal(kind({ ifMatch: '"zz"', ifNoneMatch: E }), { kind: 'precondition-failed' }); // nginx: 412 first
  assert.equal(kind({ ifMatch: E, ifNoneMatch: E }), { kind: 'not-modified' });
  assert.equal(kind({ ifRange: '"stale"' }), { kind: 'proceed', honourRange: false });
  assert.equal(kind({ ifNoneMatch: E, ifRange: '"stale"' }), { kind: 'not-modified' }); // 304 wins over Range
  assert.equal(kind({ ifNoneMatch: null, ifMatch: null, ifRange: null }), { kind: 'proceed', honourRange: true });
});

test('property: no header value throws, and none but `*` or one holding the ETag matches', () => {
  const value = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.array(fc.constantFrom('"a"', E, `W/${E}`, 'W/', ',', ' ', '\t', '*', '"', 'x'), { maxLength: 8 }).map((p) => p.join('')),
  );
  fc.assert(
    fc.property(value, fc.boolean(), (v, weak) => {
      const matched = etagListMatches(v, E, weak);
      if (matched) assert.ok(v.trim() === '*' || v.includes(E), v);
      if (ifRangeMatches(v, E)) assert.is(v.trim(), E);
      evaluatePreconditions({ ifMatch: v, ifNoneMatch: v, ifRange: v }, E);
    }),
    { numRuns: 100_000 },
  );
});

// The live check: nginx's own ETag and the same header values, byte for byte.
let nginx: RunningNginx | null = null;
let dir: ReturnType<typeof tempDir> | null = null;

beforeAll(test, async () => {
  if (!nginxBinary()) return; // the live test says so
  dir = tempDir('ipfrs-conditional-');
  writeFileSync(join(dir.path, 'f'), Buffer.alloc(100, 0x61));
  nginx = await startNginx({ root: dir.path });
});

test.after(async () => {
  await nginx?.stop();
  dir?.cleanup();
});

test('live: 304, 412 and If-Range decisions agree with nginx 1.22', async () => {
  if (!nginx) {
    requireTool('nginx', null, NGINX_INSTALL); // throws, unless IPFRS_SKIP_E2E=1
    return;
  }
  const etag = (await rawGet(nginx.port, '/f', [], 'HEAD')).headers.etag!;
  const swap = (s: string) => s.split(E).join(etag);
  let compared = 0;
  for (const [list] of [...IF_NONE_MATCH, ...IF_MATCH]) {
    if (list === '') continue; // an empty header line is not sent the same way by every client
    for (const name of ['If-None-Match', 'If-Match'] as const) {
      const value = swap(list);
      const res = await rawGet(nginx.port, '/f', [`${name}: ${value}`]);
      const ours = evaluatePreconditions(name === 'If-Match' ? { ifMatch: value } : { ifNoneMatch: value }, etag);
      const status = ours.kind === 'not-modified' ? 304 : ours.kind === 'precondition-failed' ? 412 : 200;
      assert.is(res.status, status, `${name}: ${value}`);
      compared++;
    }
  }
  for (const [value] of IF_RANGE) {
    if (value === undefined || value.startsWith('Tue')) continue; // nginx has a Last-Modified to compare dates with
    const res = await rawGet(nginx.port, '/f', [`If-Range: ${swap(value)}`, 'Range: bytes=0-1']);
    assert.is(res.status, ifRangeMatches(swap(value), etag) ? 206 : 200, `If-Range: ${swap(value)}`);
    compared++;
  }
  // If-None-Match beats Range; a stale If-Range turns a 416 into a 200
  assert.is((await rawGet(nginx.port, '/f', [`If-None-Match: ${etag}`, 'Range: bytes=500-'])).status, 304);
  assert.is((await rawGet(nginx.port, '/f', ['If-Range: "stale"', 'Range: bytes=500-'])).status, 200);
  assert.ok(compared > 40, `compared ${compared}`);
});

test.run();
