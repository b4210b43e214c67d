// Temp files belong to their ingest (src/store/object-store.ts): opening a store (a read-only `ipfrs ls`, the
// server starting) while another process or another store object is ingesting must not delete the live temp
// file. Seen: a store open during an `ipfrs add` made the add fail with "no such file".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempIsAbandoned } from '../../src/store/object-store.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { tempDir } from '../../src/devkit/paths.ts';

/** Bytes that arrive in pieces, pausing until `release` is called after the first one. */
function pausedSource(total: number) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const first = new Promise<void>((resolve) => (started = resolve));
  async function* bytes() {
    const chunk = Buffer.alloc(total / 4, 3);
    yield chunk;
    started();
    await released;
    for (let i = 1; i < 4; i++) yield chunk;
  }
  return { bytes: bytes(), first, release };
}

test('a store opened while another ingests into the same folder leaves the live temp file alone', async () => {
  const dir = tempDir();
  const root = join(dir.path, 'store');
  const writer = TensorStore.open(root);
  try {
    const source = pausedSource(1 << 20);
    const adding = writer.add(source.bytes, { dtype: 'U8', shape: [1 << 20], name: 'live' });
    await source.first;
    assert.is(readdirSync(join(root, 'tmp')).length, 1, 'the ingest has its temp file');
    const reader = TensorStore.open(root);
    assert.is(reader.openReport.tempFilesRemoved, 0);
    reader.close();
    source.release();
    const { file } = await adding;
    assert.is(file.size, 1 << 20);
    assert.equal(readdirSync(join(root, 'tmp')), []);
  } finally {
    writer.close();
    dir.cleanup();
  }
});

test('temp files of a dead process, and old unowned ones, are cleaned at open; fresh unowned ones are not', () => {
  const dir = tempDir();
  const root = join(dir.path, 'store');
  TensorStore.open(root).close();
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  const tmp = join(root, 'tmp');
  writeFileSync(join(tmp, `${dead}.abc.part`), 'partial');
  writeFileSync(join(tmp, `${process.pid}.mine.part`), 'live');
  writeFileSync(join(tmp, 'old.part'), 'partial');
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(join(tmp, 'old.part'), hourAgo, hourAgo);
  writeFileSync(join(tmp, 'fresh.part'), 'maybe live');
  const store = TensorStore.open(root);
  try {
    assert.is(store.openReport.tempFilesRemoved, 2);
    assert.equal(readdirSync(tmp).sort(), ['fresh.part', `${process.pid}.mine.part`].sort());
  } finally {
    store.close();
    dir.cleanup();
  }
});

test('tempIsAbandoned: by owner, then by age', () => {
  assert.is(tempIsAbandoned(`${process.pid}.x.part`, 0), false);
  assert.is(tempIsAbandoned(`${process.pid}.x.part`, 2 * 24 * 3600_000), true, 'a day untouched: the pid was reused');
  assert.is(tempIsAbandoned('x.part', 1000), false);
  assert.is(tempIsAbandoned('x.part', 3600_000), true);
});

test.run();
