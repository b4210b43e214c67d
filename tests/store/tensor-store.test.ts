import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { StoreError } from '../../src/store/errors.ts';
import { ABUSE_FIXTURE, fixtureFiles, tempDir } from '../../src/devkit/paths.ts';
import { describeWithPython } from '../helpers/python.ts';
import { rejects } from '../helpers/assert.ts';

let dir: ReturnType<typeof tempDir>;
let store: TensorStore;

test.before.each(() => {
  dir = tempDir();
  store = TensorStore.open(join(dir.path, 'store'));
});
test.after.each(() => {
  store.close();
  dir.cleanup();
});

function expectedCid(bytes: Uint8Array): string {
  const digest = Digest.create(0x12, createHash('sha256').update(bytes).digest());
  return CID.create(1, 0x55, digest).toString();
}

test('every fixture is added; tensors match an independent reading of the file', async () => {
  const files = fixtureFiles();
  assert.ok(files.length >= 15, `found ${files.length} fixtures`);
  const described = describeWithPython(files);
  for (const path of files) {
    const { file, created } = await store.add(path);
    assert.ok(created, path);
    assert.is(file.cid, expectedCid(readFileSync(path)), `CID of ${path}`);
    assert.is(file.size, readFileSync(path).length);
    const tensors = store.tensorsOf(file.cid).map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, byteOffset: t.byteOffset, byteLength: t.byteLength }));
    const want = described[path]!.map((t) => ({ name: t.name ?? basename(path, '.npy'), ...t }));
    assert.equal(
      JSON.parse(JSON.stringify(tensors)),
      want.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, byteOffset: t.byteOffset, byteLength: t.byteLength })),
      path,
    );
    assert.is(file.tensorCount, want.length);
  }
  assert.is(store.listFiles({ first: 100 }).items.length, files.length);
});

test('safetensors __metadata__ is kept', async () => {
  const { file } = await store.add(fixtureFiles().find((p) => p.endsWith('overall.safetensors'))!);
  assert.ok(file.metadata && Object.keys(file.metadata).length > 0, JSON.stringify(file.metadata));
});

test('the abuse file is rejected and leaves nothing behind', async () => {
  try {
    await store.add(ABUSE_FIXTURE);
    assert.unreachable('should reject');
  } catch (error) {
    assert.instance(error, StoreError);
    assert.is((error as StoreError).code, 'INVALID_FORMAT');
    assert.match((error as Error).message, /header/i);
  }
  assert.equal(readdirSync(join(store.root, 'objects')), []);
  assert.equal(readdirSync(join(store.root, 'tmp')), []);
  assert.equal(readdirSync(join(store.root, 'meta')), []);
  assert.is(store.listFiles({ first: 10 }).items.length, 0);
  assert.is(store.listTensors({ first: 10 }).items.length, 0);
});

test('adding the same bytes twice is idempotent', async () => {
  const path = fixtureFiles()[0]!;
  const first = await store.add(path);
  const second = await store.add(path);
  assert.ok(first.created);
  assert.not.ok(second.created);
  assert.is(second.file.cid, first.file.cid);
  assert.is(store.listFiles({ first: 10 }).items.length, 1);
  assert.is(readdirSync(join(store.root, 'tmp')).length, 0);
});

test('objects are read-only files named by CID', async () => {
  const { file } = await store.add(fixtureFiles()[0]!);
  const path = store.objectPath(file.cid);
  assert.ok(existsSync(path));
  assert.is(basename(path), file.cid);
});

test('raw bytes need a dtype and shape that agree with the size', async () => {
  const raw = join(dir.path, 'weights.bin');
  writeFileSync(raw, Buffer.alloc(24));
  const { file } = await store.add(raw, { dtype: 'F32', shape: [2, 3] });
  assert.is(file.format, 'raw');
  const tensor = store.getTensor(file.cid)!;
  assert.equal(JSON.parse(JSON.stringify({ name: tensor.name, shape: tensor.shape, dtype: tensor.dtype })), { name: 'weights', shape: [2, 3], dtype: 'F32' });
  const other = join(dir.path, 'other.bin');
  writeFileSync(other, Buffer.alloc(25));
  await rejects(() => store.add(other, { dtype: 'F32', shape: [2, 3] }), /size|bytes/i);
  await rejects(() => store.add(other), /raw|format/i);
  assert.is(readdirSync(join(store.root, 'tmp')).length, 0);
});

test('getTensor: the name may be left out only for single-tensor files', async () => {
  const npy = await store.add(fixtureFiles().find((p) => p.endsWith('.npy'))!);
  assert.is(store.getTensor(npy.file.cid)!.name, 'test');
  const many = await store.add(fixtureFiles().find((p) => p.endsWith('overall.safetensors'))!);
  assert.throws(() => store.getTensor(many.file.cid), /tensor name/);
  assert.is(store.getTensor(many.file.cid, 'no such tensor'), null);
  assert.throws(() => store.getTensor('not-a-cid'), (e: unknown) => (e as StoreError).code === 'INVALID_ARGUMENT');
});

test('tensors page by name with prefix, dtype and file filters', async () => {
  for (const path of fixtureFiles()) await store.add(path);
  const all: string[] = [];
  for (let after: string | null = null; ; ) {
    const page = store.listTensors({ first: 3, after });
    all.push(...page.items.map((t) => `${t.name}/${t.cid}`));
    if (!page.hasNextPage) break;
    after = page.cursors.at(-1)!;
  }
  assert.equal(all, [...all].sort());
  assert.is(new Set(all).size, all.length);
  const total = store.listTensors({ first: 1 }).totalCount();
  assert.is(all.length, total);
  const f64 = store.listTensors({ first: 1000, filter: { dtype: 'F64' } });
  assert.ok(f64.items.length > 0 && f64.items.every((t) => t.dtype === 'F64'));
  assert.is(f64.totalCount(), f64.items.length);
  const prefixed = store.listTensors({ first: 1000, filter: { namePrefix: 'te' } });
  assert.ok(prefixed.items.length > 0 && prefixed.items.every((t) => t.name.startsWith('te')));
  const cid = f64.items[0]!.cid;
  const ofFile = store.listTensors({ first: 1000, filter: { cid } });
  assert.equal(ofFile.items.map((t) => t.name).sort(), store.tensorsOf(cid).map((t) => t.name).sort());
  assert.throws(() => store.listTensors({ first: 1, after: 'garbage' }), /cursor/);
});

test('a lost index is rebuilt from the objects, raw declarations included', async () => {
  for (const path of fixtureFiles()) await store.add(path);
  const raw = join(dir.path, 'r.bin');
  writeFileSync(raw, Buffer.alloc(8));
  await store.add(raw, { dtype: 'U16', shape: [4] });
  const before = store.listTensors({ first: 1000 }).items;
  store.close();
  for (const name of readdirSync(store.root)) if (name.startsWith('index.sqlite')) rmSync(join(store.root, name));
  store = TensorStore.open(store.root);
  assert.ok(store.openReport.rebuilt);
  assert.is(store.openReport.indexedFromObjects, fixtureFiles().length + 1);
  assert.equal(JSON.parse(JSON.stringify(store.listTensors({ first: 1000 }).items)), JSON.parse(JSON.stringify(before)));
});

test('leftovers of an interrupted ingest are cleaned at open; rows without bytes are kept and reported', async () => {
  const { file } = await store.add(fixtureFiles()[0]!);
  store.close();
  // Untouched for an hour: abandoned (a fresh one may belong to a live ingest, tests/store/tmp-ownership.test.ts).
  const old = new Date(Date.now() - 3600_000);
  const leftovers = [join(dir.path, 'store', 'tmp', 'abc.part'), join(dir.path, 'store', 'meta', `${expectedCid(Buffer.from('x'))}.json`)];
  writeFileSync(leftovers[0]!, 'partial');
  writeFileSync(leftovers[1]!, '{}');
  for (const path of leftovers) utimesSync(path, old, old);
  rmSync(join(dir.path, 'store', 'objects', file.cid), { force: true });
  store = TensorStore.open(join(dir.path, 'store'));
  assert.is(store.openReport.tempFilesRemoved, 1);
  assert.equal(store.openReport.missingObjects, [file.cid]);
  assert.ok(store.getFile(file.cid), 'kept until removed (tests/cli/verify.test.ts)');
  assert.equal(readdirSync(join(store.root, 'meta')), [`${file.cid}.json`]);
  assert.ok(store.remove(file.cid));
  assert.is(store.getFile(file.cid), null);
});

test('remove deletes bytes and rows; verify reports corrupt objects', async () => {
  const files = fixtureFiles().slice(0, 3);
  const cids = [];
  for (const path of files) cids.push((await store.add(path)).file.cid);
  assert.ok(store.remove(cids[0]!));
  assert.not.ok(store.remove(cids[0]!));
  assert.is(store.getFile(cids[0]!), null);
  assert.ok((await store.verify()).every((r) => r.ok));
  const victim = store.objectPath(cids[1]!);
  chmodSync(victim, 0o644);
  const bytes = readFileSync(victim);
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(victim, bytes);
  const results = await store.verify();
  const bad = results.filter((r) => !r.ok);
  assert.is(bad.length, 1);
  assert.is(bad[0]!.cid, cids[1]);
  assert.match(bad[0]!.reason!, /hash/);
});

test('a missing source and a directory give typed errors', async () => {
  await rejects(() => store.add(join(dir.path, 'nope.safetensors')), (e: unknown) => (e as StoreError).code === 'NOT_FOUND');
  await rejects(() => store.add(dir.path), (e: unknown) => (e as StoreError).code === 'INVALID_ARGUMENT');
  copyFileSync(fixtureFiles()[0]!, join(dir.path, 'copy'));
});

test('an upload over the size limit is refused and nothing is kept', async () => {
  await rejects(() => store.add(fixtureFiles().find((p) => p.endsWith('voices.safetensors'))!, { maxBytes: 1000 }), (e: unknown) => (e as StoreError).code === 'TOO_LARGE');
  assert.equal(readdirSync(join(store.root, 'tmp')), []);
  assert.equal(readdirSync(join(store.root, 'objects')), []);
});

test.run();
