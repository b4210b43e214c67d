// src/ipfs/hash-thread.ts: SHA-256 on a worker thread of memory moved there and back, equal to node:crypto's; the
// memory comes back whole; refusals, close, a restart after close, and a process that ends once its digests are done.
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HashThread } from '../../src/ipfs/hash-thread.ts';
import { REPO } from '../../src/devkit/paths.ts';

const own = (length: number) => randomFillSync(new Uint8Array(new ArrayBuffer(length)));
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

test('digests of many views at once, at offsets, equal node:crypto\'s; each view comes back with its bytes', async () => {
  const thread = new HashThread();
  try {
    const views = [own(3 << 20), own(4096).subarray(5, 1000), own(1 << 20).subarray(0, 0), own(1), own(1 << 20)];
    const expected = views.map((v) => ({ digest: sha(v), bytes: Buffer.from(v), offset: v.byteOffset }));
    const hashed = await Promise.all(views.map((v) => thread.sha256(v)));
    hashed.forEach((h, i) => {
      assert.ok(Buffer.from(h.digest).equals(expected[i]!.digest), `digest ${i}`);
      assert.ok(Buffer.from(h.bytes).equals(expected[i]!.bytes), `bytes ${i}`);
      assert.is(h.bytes.byteOffset, expected[i]!.offset);
    });
    assert.is(views[0]!.byteLength, 0, 'the caller\'s old view is detached while its memory is away');
  } finally {
    await thread.close();
  }
});

test('refused: shared memory, an empty or moved buffer; close fails what is pending; a digest after close works', async () => {
  const thread = new HashThread();
  const refused = async (bytes: Uint8Array, pattern: RegExp) =>
    thread.sha256(bytes).then(() => assert.unreachable('hashed'), (error: Error) => assert.match(error.message, pattern));
  try {
    await refused(new Uint8Array(new SharedArrayBuffer(8)), /ArrayBuffer of its own/);
    const moving = own(1 << 20);
    const first = thread.sha256(moving);
    await refused(moving, /ArrayBuffer of its own/);
    await first;
    const pending = thread.sha256(own(64 << 20)).then(() => assert.unreachable('a digest outlived close'), (error: Error) => assert.match(error.message, /closed/));
    await thread.close();
    await pending;
    const again = own(100);
    const expected = sha(again);
    assert.ok(Buffer.from((await thread.sha256(again)).digest).equals(expected));
  } finally {
    await thread.close();
  }
});

test('a process whose digests are done ends: the idle thread keeps nothing alive', () => {
  const script = `import('./src/ipfs/hash-thread.ts').then(async ({ HashThread }) => {
    const { digest } = await new HashThread().sha256(new Uint8Array(1000));
    console.log(Buffer.from(digest).toString('hex'));
  });`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout.trim(), sha(new Uint8Array(1000)).toString('hex'));
});

test.run();
