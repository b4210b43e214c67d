// The SIGBUS guard of copies out of a mapping (native/src/fault_guard.*), in child processes (a failure here is a
// process killed by a signal, which must not be this one):
// - a file truncated under its mapping: gather and copy over the lost pages throw MmapError IO_ERROR, again and
//   again (the handler re-arms, the signal mask is restored), on the main thread and on a worker thread, and the
//   child exits normally; bytes still on disk copy exactly;
// - the control: JS reading the same lost bytes through a view dies of SIGBUS (why the GraphQL inline answers read
//   copies);
// - faults and signals outside a guarded copy behave as without the addon: a sent SIGBUS or SIGSEGV kills, a write
//   into a view dies of SIGSEGV, and a WebAssembly out-of-bounds load (V8's trap handler, behind Node's SIGSEGV
//   handler, which ours passes faults on to) is still a catchable RuntimeError.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, tempDir } from '../../src/devkit/paths.ts';

const MMAP = pathToFileURL(join(REPO, 'src', 'mmap', 'index.ts')).href;
const ADDON = join(REPO, 'native', 'build', 'Release', 'ipfrs_mmap.node');
const SIZE = 1 << 20;
/** Bytes left after the truncation: page 0 whole, page 1 in part (its tail reads as zeros), 8192 on gone. */
const KEEP = 5000;
const LOST = 8192;

/**
 * Maps a SIZE-byte file (byte i = (7i + 3) & 255), touches a page far in through the view, then truncates the file
 * to KEEP bytes under the live mapping. The case's script follows; it sees `file`, `view`, `path`, `expected`.
 */
const PRELUDE = `
import { truncateSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { MmapError, MmapFile } from ${JSON.stringify(MMAP)};
const path = process.argv[1];
const expected = Buffer.alloc(${SIZE});
for (let i = 0; i < expected.length; i++) expected[i] = (i * 7 + 3) & 255;
writeFileSync(path, expected);
const file = new MmapFile(path);
const view = file.bytes();
if (view[${SIZE - 1}] !== expected[${SIZE - 1}]) throw new Error('mapped bytes differ');
truncateSync(path, ${KEEP});
const outcome = (fn) => {
  try {
    const bytes = fn();
    return { ok: bytes.length };
  } catch (error) {
    return { code: error.code, mmapError: error instanceof MmapError, samePath: error.path === path, message: error.message };
  }
};
`;

interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs PRELUDE + script in a fresh node (no core files: ulimit -c 0), on its own file in `dir`. */
function child(dir: string, name: string, script: string): ChildResult {
  const args = ['--import', 'tsx', '--input-type=module', '-e', PRELUDE + script, join(dir, `${name}.bin`)];
  const result = spawnSync('/bin/sh', ['-c', 'ulimit -c 0 && exec "$0" "$@"', process.execPath, ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

const describe = (r: ChildResult) => `status ${r.status}, signal ${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr.slice(-2000)}`;

let dir: ReturnType<typeof tempDir>;
beforeAll(test, () => {
  dir = tempDir('ipfrs-guard-');
});
test.after(() => dir.cleanup());

test('a file truncated under its mapping: gather and copy throw IO_ERROR, the child lives and exits 0', () => {
  const result = child(
    dir.path,
    'guarded',
    `
const results = {
  whole: outcome(() => file.copy(0, ${SIZE})),
  lostPage: outcome(() => file.copy(${LOST}, ${LOST + 1})),
  straddling: outcome(() => file.copy(4000, 9000)),
  farEnd: outcome(() => file.copy(${SIZE - 10}, ${SIZE})),
  gatherLost: outcome(() => file.gather([[0, 10], [500000, 500010]])),
  gatherFlat: outcome(() => file.gather(new Float64Array([${LOST}, ${LOST + 4096}]))),
  kept: outcome(() => file.copy(0, ${KEEP})),
  keptGather: outcome(() => file.gather([[10, 20], [0, 5]])),
  emptyAtLost: outcome(() => file.copy(${LOST}, ${LOST})),
};
results.keptExact = file.copy(0, ${KEEP}).equals(expected.subarray(0, ${KEEP}));
results.keptGatherExact = file.gather([[10, 20], [0, 5]]).equals(Buffer.concat([expected.subarray(10, 20), expected.subarray(0, 5)]));
// The rest of the last page holding file bytes reads as zeros (the kernel's rule): no fault there to catch.
results.tailZeros = file.copy(${KEEP}, ${LOST}).equals(Buffer.alloc(${LOST - KEEP}));
let caught = 0;
for (let i = 0; i < 200; i++) if (outcome(() => (i % 2 ? file.copy(${LOST} + i, ${SIZE}) : file.gather([[0, 1], [${SIZE} - i - 1, ${SIZE}]]))).code === 'IO_ERROR') caught++;
results.caught = caught;
// The same on a worker thread (its own thread-local guard frame; an ES module, as --input-type passes on), over a
// file of its own: the addon straight, no JS error class there.
results.worker = await new Promise((resolve, reject) => {
  const worker = new Worker(\`
    import { createRequire } from 'node:module';
    import { parentPort, workerData } from 'node:worker_threads';
    import { truncateSync, writeFileSync } from 'node:fs';
    const native = createRequire(workerData.addon)(workerData.addon);
    writeFileSync(workerData.path, Buffer.alloc(${SIZE}, 1));
    const handle = native.open(workerData.path, 0);
    truncateSync(workerData.path, ${KEEP});
    const codes = [];
    for (const [start, end] of [[${LOST}, ${LOST + 100}], [0, 100]]) {
      try { codes.push(native.copy(handle, start, end).length); } catch (error) { codes.push(error.code); }
    }
    try { native.gather(handle, new Float64Array([0, 4, 600000, 600004])); } catch (error) { codes.push(error.code); }
    parentPort.postMessage(codes);
  \`, { eval: true, workerData: { addon: ${JSON.stringify(ADDON)}, path: path + '.worker' } });
  worker.once('message', resolve);
  worker.once('error', reject);
});
process.stdout.write(JSON.stringify(results));
`,
  );
  assert.is(result.signal, null, describe(result));
  assert.is(result.status, 0, describe(result));
  const got = JSON.parse(result.stdout) as Record<string, { ok?: number; code?: string; mmapError?: boolean; samePath?: boolean; message?: string }> & Record<string, unknown>;
  const faulted = { code: 'IO_ERROR', mmapError: true, samePath: true };
  for (const name of ['whole', 'lostPage', 'straddling', 'farEnd', 'gatherLost', 'gatherFlat']) {
    const { message, ...rest } = got[name] as { message?: string };
    assert.equal(rest, faulted, `${name}: ${JSON.stringify(got[name])}`);
    assert.match(String(message), /the file changed under the mapping: bytes \[\d+, \d+\) of '.*guarded\.bin' \(mapped with 1048576 bytes\) can no longer be read/);
  }
  assert.equal(got.kept, { ok: KEEP });
  assert.equal(got.keptGather, { ok: 15 });
  assert.equal(got.emptyAtLost, { ok: 0 });
  assert.is(got.keptExact, true);
  assert.is(got.keptGatherExact, true);
  assert.is(got.tailZeros, true);
  assert.is(got.caught, 200, 'every fault caught: the handler stays installed and SIGBUS is unblocked after each');
  assert.equal(got.worker, ['IO_ERROR', 100, 'IO_ERROR']);
});

test('copy validates like range: INVALID_RANGE, CLOSED, and a Buffer of its own', () => {
  const result = child(
    dir.path,
    'validate',
    `
const fresh = new MmapFile(${JSON.stringify(join(REPO, 'package.json'))});
const codes = [[-1, 2], [0, fresh.size + 1], [5, 4], [0.5, 2], [0, NaN], ['0', 2], [fresh.size, fresh.size]].map(([s, e]) => outcome(() => fresh.copy(s, e)).code ?? 'ok');
const copy = fresh.copy(0, 16);
const own = copy.buffer.byteLength >= 16 && !copy.equals(Buffer.alloc(16)) && copy.buffer !== fresh.bytes().buffer;
copy[0] ^= 0xff; // writable: a view would be PROT_READ (SIGSEGV)
fresh.close();
codes.push(outcome(() => fresh.copy(0, 1)).code);
process.stdout.write(JSON.stringify({ codes, own, unchanged: fresh.size > 0 }));
`,
  );
  assert.is(result.status, 0, describe(result));
  assert.equal(JSON.parse(result.stdout), {
    codes: ['INVALID_RANGE', 'INVALID_RANGE', 'INVALID_RANGE', 'INVALID_RANGE', 'INVALID_RANGE', 'INVALID_RANGE', 'ok', 'CLOSED'],
    own: true,
    unchanged: true,
  });
});

// Each child dies of the signal, exactly as it would without the addon's handler.
const DEATHS: Array<[name: string, script: string, signal: NodeJS.Signals]> = [
  ['the control: JS reading a lost page through a view', `view[${LOST + 100}];`, 'SIGBUS'],
  ['the control, after the guard caught a fault', `outcome(() => file.copy(${LOST}, ${SIZE})); view[${SIZE - 1}];`, 'SIGBUS'],
  ['a write into a view (PROT_READ)', `view[0] = 1;`, 'SIGSEGV'],
  ['a write into a view after caught faults', `for (let i = 0; i < 10; i++) outcome(() => file.copy(${LOST}, ${SIZE})); view[0] = 1;`, 'SIGSEGV'],
  ['a sent SIGBUS', `process.kill(process.pid, 'SIGBUS'); await new Promise((r) => setTimeout(r, 5000));`, 'SIGBUS'],
  ['a sent SIGBUS after a caught fault', `outcome(() => file.copy(${LOST}, ${SIZE})); process.kill(process.pid, 'SIGBUS'); await new Promise((r) => setTimeout(r, 5000));`, 'SIGBUS'],
  ['a sent SIGSEGV', `process.kill(process.pid, 'SIGSEGV'); await new Promise((r) => setTimeout(r, 5000));`, 'SIGSEGV'],
];

for (const [name, script, signal] of DEATHS) {
  test(`outside a guarded copy, as before: ${name} dies of ${signal}`, () => {
    const result = child(dir.path, name.replace(/\W+/g, '-'), script);
    assert.is(result.signal, signal, describe(result));
  });
}

test('a WebAssembly out-of-bounds load is still a RuntimeError (faults pass on to Node and V8)', () => {
  // (module (memory 1) (func (export "load") (param i32) (result i32) local.get 0 i32.load))
  const wasm = '0061736d0100000001060160017f017f030201000503010001070801046c6f616400000a0901070020002802000b';
  const result = child(
    dir.path,
    'wasm',
    `
const { instance } = await WebAssembly.instantiate(Buffer.from(${JSON.stringify(wasm)}, 'hex'));
const inside = instance.exports.load(16);
let trapped = null;
try { instance.exports.load(70000); } catch (error) { trapped = error.constructor.name + ': ' + error.message; }
const guarded = outcome(() => file.copy(${LOST}, ${LOST + 1})).code;
try { instance.exports.load(1 << 30); } catch (error) { trapped += ' | ' + error.constructor.name; }
process.stdout.write(JSON.stringify({ inside, trapped, guarded }));
`,
  );
  assert.is(result.status, 0, describe(result));
  assert.equal(JSON.parse(result.stdout), { inside: 0, trapped: 'RuntimeError: memory access out of bounds | RuntimeError', guarded: 'IO_ERROR' });
});

// Issue 21: leaving the handler by siglongjmp skipped sigreturn, so the thread kept the kernel's signal-time PKRU
// (which locks V8 out of its pkey-protected memory) and its next wasm trap died of SIGSEGV. Copy faults and wasm
// traps interleaved, 100 rounds, on the main thread and on a worker thread of the same process.
test('copy faults and WebAssembly traps interleaved 100 times, main thread and worker: every trap a RuntimeError', () => {
  const wasm = '0061736d0100000001060160017f017f030201000503010001070801046c6f616400000a0901070020002802000b';
  // One function for both threads: maps a file of its own, truncates it under the mapping, then interleaves.
  const rounds = `(native, truncateSync, writeFileSync, path, wasm) => {
    writeFileSync(path, Buffer.alloc(${SIZE}, 1));
    const handle = native.open(path, 0);
    truncateSync(path, ${KEEP});
    const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(wasm, 'hex')));
    const seen = { traps: 0, faults: 0, other: [] };
    const trap = (at) => { try { instance.exports.load(at); seen.other.push('no trap at ' + at); } catch (error) { if (error instanceof WebAssembly.RuntimeError) seen.traps++; else seen.other.push(String(error)); } };
    const fault = (fn) => { try { fn(); seen.other.push('no fault'); } catch (error) { if (error.code === 'IO_ERROR') seen.faults++; else seen.other.push(String(error)); } };
    for (let i = 0; i < 100; i++) {
      trap(70000 + i);
      fault(() => native.copy(handle, ${LOST}, ${LOST + 1} + i));
      fault(() => native.gather(handle, new Float64Array([0, 4, 600000, 600004 + i])));
      trap(1 << 30);
    }
    return seen;
  }`;
  const result = child(
    dir.path,
    'wasm-rounds',
    `
import { createRequire } from 'node:module';
const native = createRequire(${JSON.stringify(ADDON)})(${JSON.stringify(ADDON)});
const wasm = ${JSON.stringify(wasm)};
const run = ${rounds};
const main = run(native, truncateSync, writeFileSync, path + '.main', wasm);
const worker = await new Promise((resolve, reject) => {
  const w = new Worker(\`
    import { createRequire } from 'node:module';
    import { parentPort, workerData } from 'node:worker_threads';
    import { truncateSync, writeFileSync } from 'node:fs';
    const native = createRequire(workerData.addon)(workerData.addon);
    parentPort.postMessage((\${run})(native, truncateSync, writeFileSync, workerData.path, workerData.wasm));
  \`, { eval: true, workerData: { addon: ${JSON.stringify(ADDON)}, path: path + '.worker', wasm } });
  w.once('message', resolve);
  w.once('error', reject);
});
const after = outcome(() => file.copy(${LOST}, ${SIZE})).code;
let last = null;
try { new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(wasm, 'hex'))).exports.load(1 << 31 >>> 0); } catch (error) { last = error.constructor.name; }
process.stdout.write(JSON.stringify({ main, worker, after, last }));
`,
  );
  assert.is(result.signal, null, describe(result));
  assert.is(result.status, 0, describe(result));
  const want = { traps: 200, faults: 200, other: [] };
  assert.equal(JSON.parse(result.stdout), { main: want, worker: want, after: 'IO_ERROR', last: 'RuntimeError' });
});

test.run();
