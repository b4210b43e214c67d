// The short form of `npm run stress` (src/devkit/stress/run.ts): 64 clients for about 10 s (a 1.5 s warm-up, then 7 s of
// measured load) over signed links, every byte checked, with the cache cleared or evicted every 50 ms and files
// added and deleted; then SIGTERM with 16 downloads in flight. 0 errors, 0 wrong bytes, no crash, RSS back within
// 10%, exit code 0. First, the harness's own checker is shown to catch what it is there to catch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { failures, runStress, summarise, type StressSigner } from '../../src/devkit/stress/run.ts';
import { keyRingFromJSON, signPath } from '../../src/http/sign.ts';
import { loadOrCreateKeyRing } from '../../src/store/secrets.ts';
import { get } from '../../src/devkit/stress/client.ts';

test('the checker catches wrong bytes, short bodies, a wrong status, a wrong multipart part and a wrong .npy shape', async () => {
  const source = Buffer.from(Array.from({ length: 5000 }, (_, i) => i & 0xff));
  const npyHead = (shape: string) => {
    let dict = `{'descr': '|u1', 'fortran_order': False, 'shape': ${shape}, }`;
    dict += ' '.repeat((64 - ((10 + dict.length + 1) % 64)) % 64) + '\n';
    const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
    pre.writeUInt16LE(dict.length, 8);
    return Buffer.concat([pre, Buffer.from(dict, 'latin1')]);
  };
  const answers: Record<string, (res: import('node:http').ServerResponse) => void> = {
    '/good': (res) => res.end(source),
    '/flipped': (res) => {
      const bad = Buffer.from(source);
      bad[4321] ^= 1;
      res.end(bad);
    },
    '/short': (res) => res.end(source.subarray(0, 4999)),
    '/missing': (res) => {
      res.statusCode = 404;
      res.end('{}');
    },
    '/multipart': (res) => {
      res.writeHead(206, { 'content-type': 'multipart/byteranges; boundary=B' });
      res.end(`--B\r\nContent-Range: bytes 0-1/5000\r\n\r\n\u0000\u0001\r\n--B\r\nContent-Range: bytes 10-11/5000\r\n\r\n\u000a\u000c\r\n--B--\r\n`);
    },
    '/npy': (res) => res.end(Buffer.concat([npyHead('(50, 100)'), source])),
  };
  const server: Server = createServer((req, res) => answers[req.url!]!(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const agent = new Agent({ keepAlive: false });
  try {
    const run = (path: string, expect: Parameters<typeof get>[1]) => get({ agent, origin, path }, expect);
    assert.ok((await run('/good', { status: 200, body: source })).ok);
    const flipped = await run('/flipped', { status: 200, body: source });
    assert.equal([flipped.ok, flipped.wrongBytes], [false, true]);
    assert.match((await run('/short', { status: 200, body: source })).problem!, /short body: 4999 of 5000/);
    assert.match((await run('/missing', { status: 200, body: source })).problem!, /status 404, expected 200/);
    assert.ok((await run('/missing', { status: 404 })).ok);
    const parts = [
      { range: 'bytes 0-1/5000', bytes: source.subarray(0, 2) },
      { range: 'bytes 10-11/5000', bytes: source.subarray(10, 12) },
    ];
    const multipart = await run('/multipart', { status: 206, parts });
    assert.equal([multipart.ok, multipart.wrongBytes], [false, true], 'the second part holds 0a 0c, not 0a 0b');
    assert.ok((await run('/npy', { status: 200, npy: { shape: [50, 100], descr: '|u1', data: source } })).ok);
    assert.match((await run('/npy', { status: 200, npy: { shape: [100, 50], descr: '|u1', data: source } })).problem!, /npy header/);
  } finally {
    agent.destroy();
    server.close();
  }
});

test('stress (short form): 64 clients, cache churn every 50 ms, files added and deleted, SIGTERM at the end', async () => {
  const sign: StressSigner = (root) => {
    const ring = keyRingFromJSON(loadOrCreateKeyRing(root).ring);
    return (path, params) => signPath(path, params, { ring, expiresIn: 3600 }).url;
  };
  const report = await runStress({ durationMs: 7000, warmupMs: 1500, clients: 64, sign });
  console.log(summarise(report).replace(/^/gm, '    '));
  assert.equal(failures(report), []);
  assert.ok(report.totalRequests > 200 && report.bytesVerified > 100 << 20, 'the load was real');
  for (const kind of ['blob', 'range', 'multirange', 'tensor', 'slice-raw', 'slice-npy', 'slice-range', 'churn-deleted-mid-download']) {
    assert.ok((report.requests[kind] ?? 0) > 0, `${kind} requests ran`);
  }
});

test.run();
