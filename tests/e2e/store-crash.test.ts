import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { REPO, tempDir } from '../../src/devkit/paths.ts';
import { prng } from '../../src/devkit/stress/data.ts';

const KILLS = 24;
const SIZE = 48 << 20;
/** The kill points come from this seed (IPFRS_TEST_SEED replays a run); every failure message says it. */
const SEED = Number(process.env.IPFRS_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Starts an ingest, SIGKILLs it `delayMs` after it reports ready; resolves with whether it finished first. */
function ingestAndKill(root: string, seed: number, delayMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'tests', 'helpers', 'ingest-child.ts'), root, String(seed), String(SIZE)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready') && !child.killed) setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('error', reject);
    child.on('exit', () => resolve(out.includes('done')));
  });
}

test(`SIGKILL at ${KILLS} random points of an ingest leaves a consistent store`, async () => {
  const dir = tempDir();
  const root = join(dir.path, 'store');
  try {
    let finished = 0;
    const rand = prng(SEED);
    const delays: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      // Spread the kills over the whole ingest: open, stream + hash, fsync, rename, index.
      const delay = Math.floor(rand() * 400);
      delays.push(delay);
      if (await ingestAndKill(root, i + 1, delay)) finished++;
    }
    const run = `IPFRS_TEST_SEED=${SEED} (kills at ${delays.join(', ')} ms)`;
    const store = TensorStore.open(root);
    try {
      assert.equal(readdirSync(join(root, 'tmp')), [], `temp files are cleaned at open; ${run}`);
      const objects = readdirSync(join(root, 'objects')).sort();
      const indexed = store.listFiles({ first: 1000 }).items.map((f) => f.cid).sort();
      assert.equal(indexed, objects, `every object is indexed and every row has bytes; ${run}`);
      const verdicts = await store.verify();
      assert.ok(verdicts.every((v) => v.ok), `${JSON.stringify(verdicts.filter((v) => !v.ok))}; ${run}`);
      for (const cid of objects) assert.is(store.getTensor(cid)!.byteLength, SIZE, `${cid}; ${run}`);
      // Not an assertion on timing: just make sure the kills were not all after the end, or all before the start.
      assert.ok(finished < KILLS, `all ${KILLS} ingests finished before their kill; ${run}`);
    } finally {
      store.close();
    }
  } finally {
    dir.cleanup();
  }
});

test.run();
