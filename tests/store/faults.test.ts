// Faults under the store, without a server: a full disk during ingest, and objects changed behind the store's
// back (truncated, grown, replaced, deleted). Each must give a clear error and leave nothing partial; `ipfrs
// verify` must name every damaged object, and the reader must refuse one whose size changed rather than map it.
// (SIGKILL during ingest is tests/e2e/store-crash.test.ts; a truncation under a live server is tests/e2e/faults-live.)
//
// The full disk is a real one: an 8 MiB tmpfs mounted for the test (root is needed; without it the test says
// why it skips). A filler file leaves a chosen number of pages free before each add, so the ENOSPC lands in
// every step in turn: the temp file, its fsync, the meta file, the rename, the SQLite index.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, readdirSync, renameSync, rmSync, statfsSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '../../src/store/errors.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../../src/devkit/paths.ts';

const PAGE = 4096;

/** Mounts a tmpfs of `bytes`; null (with the reason) when this machine does not let us. */
function mountTmpfs(bytes: number): { path: string; unmount(): void } | { skip: string } {
  const path = mkdtempSync(join(tmpdir(), 'ipfrs-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', path], { stdio: 'pipe' });
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    return { skip: `cannot mount a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()}): run as root to test a full disk` };
  }
  return {
    path,
    unmount() {
      execFileSync('umount', [path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

function freeBytes(path: string): number {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
}

/** `size` bytes, distinct for each seed (so every add is a new object). */
async function* bytesOf(size: number, seed: number): AsyncIterable<Uint8Array> {
  const chunk = Buffer.alloc(Math.min(size, 1 << 20), seed & 0xff);
  for (let offset = 0; offset < size; offset += chunk.length) {
    const part = chunk.subarray(0, Math.min(chunk.length, size - offset));
    if (part.length >= 8) {
      part.writeUInt32LE(seed, 0);
      part.writeUInt32LE(offset, 4);
    }
    yield part;
  }
}

/** Objects, meta files and index rows agree, and no temp file is left. */
function assertConsistent(store: TensorStore, root: string, when: string): string[] {
  const objects = readdirSync(join(root, 'objects')).sort();
  const metas = readdirSync(join(root, 'meta'))
    .map((n) => n.replace(/\.json$/, ''))
    .sort();
  const rows = store
    .listFiles({ first: 1000 })
    .items.map((f) => f.cid)
    .sort();
  assert.equal(readdirSync(join(root, 'tmp')), [], `${when}: no temp file left`);
  assert.equal(rows, objects, `${when}: every object has a row and every row an object`);
  assert.equal(metas, objects, `${when}: every object has its meta file and no meta is orphaned`);
  return objects;
}

test('disk full during ingest: NO_SPACE, nothing partial, at every step of the ingest', async () => {
  const mount = mountTmpfs(8 << 20);
  if ('skip' in mount) {
    console.log(`  skipped: ${mount.skip}`);
    return;
  }
  const root = join(mount.path, 'store');
  const store = TensorStore.open(root);
  const outcomes = new Map<string, number>();
  try {
    // A file larger than the whole disk: refused while streaming.
    let failure: unknown = null;
    await store.add(bytesOf(16 << 20, 1), { dtype: 'U8', shape: [16 << 20], name: 'huge.bin' }).catch((e) => (failure = e));
    assert.instance(failure, StoreError);
    assert.is((failure as StoreError).code, 'NO_SPACE');
    assert.match((failure as Error).message, /no space left on the store's disk; nothing was added/);
    assertConsistent(store, root, 'after a 16 MiB add on an 8 MiB disk');

    // Around the edge: leave 4..15 pages free and add files a little smaller or larger than that.
    let kept = 0;
    for (let trial = 0; trial < 90; trial++) {
      rmSync(join(mount.path, 'filler'), { force: true });
      const leave = PAGE * (4 + (trial % 12));
      writeFileSync(join(mount.path, 'filler'), Buffer.alloc(Math.max(0, freeBytes(mount.path) - leave)));
      const size = Math.max(8, leave - PAGE * (trial % 5) - ((trial * 1237) % PAGE));
      let outcome = 'added';
      try {
        await store.add(bytesOf(size, 100 + trial), { dtype: 'U8', shape: [size], name: `edge-${trial}.bin` });
        kept++;
      } catch (error) {
        assert.instance(error, StoreError, String(error));
        assert.is((error as StoreError).code, 'NO_SPACE', (error as Error).message);
        outcome = 'NO_SPACE';
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      assertConsistent(store, root, `trial ${trial} (${size} bytes with ${leave} free: ${outcome})`);
    }
    assert.ok((outcomes.get('NO_SPACE') ?? 0) > 10 && kept > 5, JSON.stringify([...outcomes]));

    // Space back: the store works again, and every kept object is whole.
    rmSync(join(mount.path, 'filler'), { force: true });
    const { file } = await store.add(bytesOf(1 << 20, 7), { dtype: 'U8', shape: [1 << 20], name: 'after.bin' });
    assert.is(file.size, 1 << 20);
    const verdicts = await store.verify();
    assert.ok(verdicts.every((v) => v.ok), JSON.stringify(verdicts.filter((v) => !v.ok)));
    assert.is(verdicts.length, kept + 1);
  } finally {
    store.close();
    mount.unmount();
  }
  console.log(`  full-disk adds: ${JSON.stringify(Object.fromEntries(outcomes))}`);
});

test('disk full: `ipfrs add` says so in one line and exits 1; the store reopens clean', async () => {
  const mount = mountTmpfs(4 << 20);
  if ('skip' in mount) {
    console.log(`  skipped: ${mount.skip}`);
    return;
  }
  const work = tempDir();
  try {
    const big = join(work.path, 'big.bin');
    writeFileSync(big, Buffer.alloc(6 << 20, 3));
    const root = join(mount.path, 'store');
    const result = await runCli(['add', big, '--dtype', 'U8', '--shape', String(6 << 20), '--store', root]);
    assert.is(result.code, 1, result.stderr);
    assert.match(result.stderr, /^ipfrs: .*no space left on the store's disk; nothing was added\n$/);
    const store = TensorStore.open(root);
    try {
      assert.equal(assertConsistent(store, root, 'after the failed CLI add'), []);
    } finally {
      store.close();
    }
  } finally {
    work.cleanup();
    mount.unmount();
  }
});

test('objects changed behind the store\'s back: `ipfrs verify` names each one and exits 1', async () => {
  const dir = tempDir();
  const root = join(dir.path, 'store');
  const store = TensorStore.open(root);
  try {
    const cids: string[] = [];
    for (let i = 0; i < 5; i++) cids.push((await store.add(bytesOf(64 * 1024, 200 + i), { dtype: 'U8', shape: [64 * 1024], name: `f${i}.bin` })).file.cid);
    const [truncated, grown, replaced, deleted, intact] = cids as [string, string, string, string, string];
    const path = (cid: string) => store.objectPath(cid);
    // Objects are 0444; an operator (root) or a stray tool can still change them.
    truncateSync(path(truncated), 1000);
    appendFileSync(path(grown), 'x');
    const other = join(root, 'tmp', 'other');
    writeFileSync(other, Buffer.alloc(64 * 1024, 0xee));
    chmodSync(other, 0o444);
    renameSync(other, path(replaced));
    rmSync(path(deleted));

    const verdicts = Object.fromEntries((await store.verify()).map((v) => [v.cid, v]));
    assert.is(verdicts[intact]!.ok, true);
    assert.match(verdicts[truncated]!.reason!, /content hash is \w+: the bytes changed/);
    assert.match(verdicts[grown]!.reason!, /the bytes changed/);
    assert.match(verdicts[replaced]!.reason!, /the bytes changed/);
    assert.match(verdicts[deleted]!.reason!, /indexed but its object is missing/);

    // The CLI opens the store afresh: the deleted object's row is kept, and reported as missing on every run.
    store.close();
    const cli = await runCli(['verify', '--store', root]);
    assert.is(cli.code, 1);
    const out = cli.stdout.toString();
    for (const cid of [truncated, grown, replaced]) assert.match(out, new RegExp(`^CORRUPT ${cid}: .*the bytes changed$`, 'm'));
    assert.not.match(out, new RegExp(`CORRUPT ${intact}`));
    assert.match(out, new RegExp(`^MISSING ${deleted}: indexed but its object is missing`, 'm'));
    assert.match(out, /^1 of 5 objects ok$/m);
    // Still corrupt and missing on a second run (tests/cli/verify.test.ts follows a missing one to its removal).
    const json = JSON.parse((await runCli(['verify', '--json', '--store', root])).stdout.toString());
    assert.equal([json.checked, json.corrupt.length, json.droppedRows], [5, 4, 0]);
  } finally {
    store.close();
    dir.cleanup();
  }
});

test.run();
