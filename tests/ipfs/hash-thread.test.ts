// src/ipfs/hash-thread.ts: SHA-256 on a worker thread over shared memory, equal to node:crypto's; refusals, close,
// a restart after close, and a process that ends once its digests are done (the idle thread holds nothing open).
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HashThread } from '../../src/ipfs/hash-thread.ts';
import { REPO } from '../../src/devkit/paths.ts';

function shared(length: number): Uint8Array {
  return randomFillSync(new Uint8Array(new SharedArrayBuffer(length)));
}

test('digests of shared views, many at once and at offsets, equal node:crypto\'s', async () => {
  const thread = new HashThread();
  try {
    const big = shared(3 << 20);
    const views = [big, big.subarray(1), big.subarray(5, 1 << 20), big.subarray(0, 0), shared(1), shared(1 << 20)];
    const digests = await Promise.all(views.map((v) => thread.sha256(v)));
    views.forEach((v, i) => assert.ok(Buffer.from(digests[i]!).equals(createHash('sha256').update(v).digest()), `view ${i}`));
  } finally {
    await thread.close();
  }
});

test('memory that is not shared is refused; close fails what is pending; the next digest starts a thread again', async () => {
  const thread = new HashThread();
  try {
    await thread.sha256(new Uint8Array(8)).then(() => assert.unreachable('an unshared view was hashed'), (error: Error) => assert.instance(error, TypeError));
    const pending = thread.sha256(shared(64 << 20)).then(() => assert.unreachable('a digest outlived close'), (error: Error) => assert.match(error.message, /closed/));
    await thread.close();
    await pending;
    const again = shared(100);
    assert.ok(Buffer.from(await thread.sha256(again)).equals(createHash('sha256').update(again).digest()));
  } finally {
    await thread.close();
  }
});

test('a process whose digests are done ends: the idle thread keeps nothing alive', () => {
  const script = `import('./src/ipfs/hash-thread.ts').then(async ({ HashThread }) => {
    const digest = await new HashThread().sha256(new Uint8Array(new SharedArrayBuffer(1000)));
    console.log(Buffer.from(digest).toString('hex'));
  });`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout.trim(), createHash('sha256').update(new Uint8Array(1000)).digest('hex'));
});

test.run();
