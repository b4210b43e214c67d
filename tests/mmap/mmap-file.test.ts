// MmapFile: opening (every error code), whole-file and range views, multiRange, gather, advice, close, empty files
// and a sparse file larger than 4 GiB read past 4 GiB.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, ftruncateSync, writeFileSync, writeSync } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { join } from 'node:path';
import { MmapConfig, MmapError, MmapFile } from '../../src/mmap/index.ts';
import { native, type FileHandle } from '../../src/mmap/binding.ts';
import * as main from '../../src/index.ts';
import { REPO, tempDir } from '../../src/devkit/paths.ts';

let dir: ReturnType<typeof tempDir>;
let small: string; // 256 bytes: byte i is i
let empty: string;
const SMALL = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

beforeAll(test, () => {
  dir = tempDir('ipfrs-mmap-file-');
  small = join(dir.path, 'small.bin');
  writeFileSync(small, SMALL);
  empty = join(dir.path, 'empty.bin');
  writeFileSync(empty, '');
});

test.after(() => dir.cleanup());

/** The MmapError `fn` throws (or its promise rejects with). */
async function mmapError(fn: () => unknown): Promise<MmapError> {
  try {
    await fn();
  } catch (error) {
    assert.instance(error, MmapError);
    return error as MmapError;
  }
  throw new Error('expected an MmapError; nothing was thrown');
}

function details(error: MmapError) {
  return { code: error.code, path: error.path, errno: error.errno, syscall: error.syscall };
}

test('opening what is not a readable regular file gives the right code, errno and syscall, sync and async', async () => {
  mkdirSync(join(dir.path, 'folder'));
  execFileSync('mkfifo', [join(dir.path, 'fifo')]); // must not block waiting for a writer
  const cases: Array<[string, { code: string; errno?: number; syscall?: string }]> = [
    [join(dir.path, 'missing.bin'), { code: 'FILE_NOT_FOUND', errno: 2, syscall: 'open' }],
    [join(small, 'below-a-file'), { code: 'FILE_NOT_FOUND', errno: 20, syscall: 'open' }],
    ['', { code: 'FILE_NOT_FOUND', errno: 2, syscall: 'open' }],
    [join(dir.path, 'folder'), { code: 'NOT_A_FILE' }],
    [join(dir.path, 'fifo'), { code: 'NOT_A_FILE' }],
    ['/dev/null', { code: 'NOT_A_FILE' }],
  ];
  // sysfs attributes are regular files of 4096 bytes that refuse mmap (ENODEV).
  const sysfs = '/sys/kernel/mm/transparent_hugepage/enabled';
  if (existsSync(sysfs)) cases.push([sysfs, { code: 'MMAP_FAILED', errno: 19, syscall: 'mmap' }]);
  for (const [path, expected] of cases) {
    for (const open of [() => new MmapFile(path), () => MmapFile.openAsync(path)]) {
      const error = await mmapError(open);
      assert.equal(details(error), { path, errno: undefined, syscall: undefined, ...expected }, path);
      assert.ok(error.message.includes(`'${path}'`), error.message);
    }
  }
});

test('a file the process may not read gives PERMISSION_DENIED', () => {
  const folder = join(dir.path, 'private');
  mkdirSync(folder);
  chmodSync(folder, 0o755);
  chmodSync(dir.path, 0o755); // mkdtemp made it 0700
  const secret = join(folder, 'secret.bin');
  writeFileSync(secret, 'secret');
  chmodSync(secret, 0o000);
  if (process.getuid?.() !== 0) {
    const error = (() => {
      try {
        new MmapFile(secret);
      } catch (e) {
        return e as MmapError;
      }
    })();
    assert.equal(details(error!), { code: 'PERMISSION_DENIED', path: secret, errno: 13, syscall: 'open' });
    return;
  }
  // Root reads any file whatever its mode, so open it from a child running as nobody (uid 65534).
  const script = `import { MmapFile } from ${JSON.stringify(join(REPO, 'src/mmap/index.ts'))};
    try { new MmapFile(process.argv[1]); console.log('{"opened":true}'); }
    catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, path: e.path, errno: e.errno, syscall: e.syscall })); }`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, secret], {
    uid: 65534,
    gid: 65534,
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.is(child.status, 0, child.stderr);
  assert.equal(JSON.parse(child.stdout), { name: 'MmapError', code: 'PERMISSION_DENIED', path: secret, errno: 13, syscall: 'open' });
});

test('a path that is not a string, or holds a NUL byte, is a TypeError before any system call', async () => {
  for (const path of [42, null, undefined, {}, `${small}\0.txt`]) {
    assert.throws(() => new MmapFile(path as string), (e: unknown) => e instanceof TypeError);
    await MmapFile.openAsync(path as string).then(
      () => assert.unreachable('opened'),
      (e: unknown) => assert.instance(e, TypeError),
    );
  }
});

test('MmapError is an Error with a JS stack that reaches the caller, sync and async', async () => {
  const sync = await mmapError(() => new MmapFile(join(dir.path, 'nope')));
  assert.instance(sync, Error);
  assert.is(sync.name, 'MmapError');
  assert.ok(sync.stack!.startsWith(`MmapError: ${sync.message}`), sync.stack);
  assert.ok(sync.stack!.includes('mmap-file.test.ts'), sync.stack);
  const async = await mmapError(() => MmapFile.openAsync(join(dir.path, 'nope')));
  assert.ok(async.stack!.includes('mmap-file.test.ts'), async.stack);
  const range = await mmapError(() => new MmapFile(small).range(2, 1));
  assert.ok(range.stack!.includes('mmap-file.test.ts'), range.stack);
});

test('a file maps with its path and size, and bytes() is the whole file (the same Buffer each time)', async () => {
  for (const file of [new MmapFile(small), await MmapFile.openAsync(small, { populate: true })]) {
    assert.is(file.path, small);
    assert.is(file.size, 256);
    assert.is(file.isEmpty, false);
    assert.is(file.closed, false);
    assert.equal(file.bytes(), SMALL);
    assert.ok(file.bytes() === file.bytes());
    file.close();
  }
});

test('range gives [start, end) as a view of the mapping', () => {
  const file = new MmapFile(small);
  const whole = file.bytes();
  const cases: Array<[number, number]> = [[0, 256], [0, 1], [3, 7], [255, 256], [100, 200]];
  for (const [start, end] of cases) {
    const view = file.range(start, end);
    assert.equal(view, SMALL.subarray(start, end), `[${start}, ${end})`);
    assert.ok(view.buffer === whole.buffer, 'a view of the same memory, not a copy');
    assert.is(view.byteOffset, whole.byteOffset + start);
  }
  file.close();
});

test('an empty range [n, n) with n <= size is an empty Buffer', () => {
  const file = new MmapFile(small);
  for (const n of [0, 1, 128, 256]) {
    const view = file.range(n, n);
    assert.instance(view, Buffer);
    assert.is(view.length, 0, `[${n}, ${n})`);
  }
  file.close();
});

test('a range outside the file, reversed, or not of integers is INVALID_RANGE', async () => {
  const file = new MmapFile(small);
  const cases: Array<[string, unknown, unknown]> = [
    ['start past the size', 257, 257],
    ['start past the size, end at it', 300, 256],
    ['end past the size', 0, 257],
    ['start after end', 7, 3],
    ['negative start', -1, 3],
    ['fractional start', 1.5, 3],
    ['fractional end', 1, 2.5],
    ['NaN', Number.NaN, 3],
    ['infinite end', 0, Infinity],
    ['a string', '1', 3],
    ['a bigint', 1n, 3],
    ['missing end', 1, undefined],
  ];
  for (const [label, start, end] of cases) {
    const error = await mmapError(() => file.range(start as number, end as number));
    assert.is(error.code, 'INVALID_RANGE', label);
    assert.is(error.path, small, label);
    assert.ok(error.message.includes('(256 bytes)'), error.message);
  }
  file.close();
});

test('multiRange gives one view per range, from pairs or a flat Float64Array', () => {
  const file = new MmapFile(small);
  const pairs: Array<[number, number]> = [[0, 4], [10, 10], [250, 256], [0, 4]];
  const expected = pairs.map(([s, e]) => SMALL.subarray(s, e));
  assert.equal(file.multiRange(pairs), expected);
  assert.equal(file.multiRange(new Float64Array(pairs.flat())), expected);
  assert.equal(file.multiRange([]), []);
  for (const view of file.multiRange(pairs)) assert.ok(view.buffer === file.bytes().buffer);
  file.close();
});

test('multiRange checks every range first and rejects the lot on one bad range', async () => {
  const file = new MmapFile(small);
  const bad: Array<[string, unknown]> = [
    ['end past the size', [[0, 1], [10, 300]]],
    ['start after end', [[5, 4]]],
    ['not a pair', [[0, 1], [2]]],
    ['not numbers', [['0', '1']]],
    ['odd Float64Array', new Float64Array([0, 1, 2])],
    ['NaN in a Float64Array', new Float64Array([0, Number.NaN])],
  ];
  for (const [label, ranges] of bad) {
    const error = await mmapError(() => file.multiRange(ranges as Array<[number, number]>));
    assert.is(error.code, 'INVALID_RANGE', label);
  }
  assert.throws(() => file.multiRange('0-1' as unknown as Array<[number, number]>), (e: unknown) => e instanceof TypeError);
  file.close();
});

test('gather copies the ranges, in order, into one new Buffer, from pairs or a Float64Array', () => {
  const file = new MmapFile(small);
  const pairs: Array<[number, number]> = [[250, 256], [0, 3], [3, 3], [1, 5], [0, 3]];
  const expected = Buffer.concat(pairs.map(([s, e]) => SMALL.subarray(s, e)));
  for (const ranges of [pairs, new Float64Array(pairs.flat())]) {
    const out = file.gather(ranges);
    assert.equal(out, expected);
    assert.ok(out.buffer !== file.bytes().buffer, 'a copy, not a view');
  }
  assert.is(file.gather([]).length, 0);
  assert.is(file.gather(new Float64Array(0)).length, 0);
  assert.equal(file.gather([[0, 256]]), SMALL);
  file.close();
});

test('gather rejects any bad range in C++ as well as in JS: INVALID_RANGE naming it, nothing copied', async () => {
  const file = new MmapFile(small);
  const bad: Array<[string, unknown, string]> = [
    ['end past the size', [[0, 1], [10, 257]], 'range 1 [10, 257)'],
    ['start past the size', new Float64Array([257, 257]), 'range 0 [257, 257)'],
    ['start after end', new Float64Array([0, 1, 2, 3, 9, 8]), 'range 2 [9, 8)'],
    ['negative', new Float64Array([-1, 3]), 'range 0 [-1, 3)'],
    ['fractional', new Float64Array([0.5, 3]), 'range 0 [0.5, 3)'],
    ['NaN', new Float64Array([0, Number.NaN]), 'range 0 [0, nan)'],
    ['infinite', new Float64Array([0, Infinity]), 'range 0 [0, inf)'],
    ['odd length', new Float64Array([0, 1, 2]), '3 numbers'],
    ['not a pair', [[0, 1, 2]], 'range 0 is not'],
    ['not numbers', [[0, '4']], 'range 0 is not'],
  ];
  for (const [label, ranges, mention] of bad) {
    const error = await mmapError(() => file.gather(ranges as Array<[number, number]>));
    assert.is(error.code, 'INVALID_RANGE', label);
    assert.ok(error.message.includes(mention), `${label}: ${error.message}`);
  }
  for (const ranges of ['0-1', new Uint32Array([0, 1]), [0, 1], null]) {
    assert.throws(() => file.gather(ranges as unknown as Float64Array), (e: unknown) => e instanceof TypeError || (e as MmapError).code === 'INVALID_RANGE');
  }
  file.close();
});

test('an empty file maps (without mmap) and reads as empty', async () => {
  for (const file of [new MmapFile(empty), await MmapFile.openAsync(empty, { populate: true, willNeed: true })]) {
    assert.is(file.size, 0);
    assert.is(file.isEmpty, true);
    assert.is(file.bytes().length, 0);
    assert.is(file.range(0, 0).length, 0);
    assert.equal(file.multiRange([[0, 0]]), [Buffer.alloc(0)]);
    assert.is(file.gather([[0, 0], [0, 0]]).length, 0);
    file.advise(MmapConfig.sequential({ populate: true }));
    await file.adviseAsync({ random: true, populate: true, willNeed: true });
    assert.is((await mmapError(() => file.range(0, 1))).code, 'INVALID_RANGE');
    assert.is((await mmapError(() => file.gather([[0, 1]]))).code, 'INVALID_RANGE');
    file.close();
  }
});

test('advise and adviseAsync take every preset and option; the bytes stay the same', async () => {
  const file = new MmapFile(small, MmapConfig.random());
  const configs = [
    undefined,
    MmapConfig.sequential(),
    MmapConfig.random(),
    MmapConfig.hugepages(),
    { populate: true },
    { willNeed: true },
    { sequential: true, hugepages: true, populate: true, willNeed: true },
  ];
  for (const config of configs) {
    file.advise(config);
    await file.adviseAsync(config);
    assert.equal(file.bytes(), SMALL);
  }
  assert.throws(() => file.advise({ sequential: true, random: true }), (e: unknown) => e instanceof TypeError);
  await file.adviseAsync({ willneed: true } as never).then(
    () => assert.unreachable('accepted a misspelt key'),
    (e: unknown) => assert.instance(e, TypeError),
  );
  file.close();
});

test('close is idempotent; afterwards every read throws CLOSED, and path and size remain', async () => {
  const file = new MmapFile(small);
  file.bytes();
  file.close();
  file.close();
  assert.is(file.closed, true);
  assert.is(file.path, small);
  assert.is(file.size, 256);
  const reads: Array<[string, () => unknown]> = [
    ['bytes', () => file.bytes()],
    ['range', () => file.range(0, 1)],
    ['invalid range', () => file.range(5, 1)],
    ['multiRange', () => file.multiRange([[0, 1]])],
    ['gather', () => file.gather([[0, 1]])],
    ['gather Float64Array', () => file.gather(new Float64Array([0, 1]))],
    ['advise', () => file.advise()],
    ['adviseAsync', () => file.adviseAsync()],
  ];
  for (const [label, read] of reads) {
    const error = await mmapError(read);
    assert.equal(details(error), { code: 'CLOSED', path: small, errno: undefined, syscall: undefined }, label);
  }
});

// A sparse file of 5 GiB + 3 bytes (holes read as zeros): only the marked bytes take disk space.
const GiB = 2 ** 30;
const SPARSE_SIZE = 5 * GiB + 3;
const MARKS: Array<[offset: number, text: string]> = [
  [0, 'head'],
  [3 * GiB - 2, 'w3w3'], // across the start of the 3 GiB window
  [4 * GiB - 3, 'across4'], // across the 4 GiB line
  [4 * GiB + 123, 'past4'],
  [SPARSE_SIZE - 4, 'tail'],
];

test('a sparse file over 4 GiB reads exactly past 4 GiB: range, multiRange, gather', async () => {
  const path = join(dir.path, 'sparse.bin');
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, SPARSE_SIZE);
    for (const [offset, text] of MARKS) writeSync(fd, text, offset);
  } finally {
    closeSync(fd);
  }
  const file = new MmapFile(path);
  assert.is(file.size, SPARSE_SIZE);
  for (const [offset, text] of MARKS) {
    assert.is(file.range(offset, offset + text.length).toString(), text, `at ${offset}`);
  }
  assert.equal(file.range(4 * GiB + 123 - 2, 4 * GiB + 123 + 7), Buffer.from('\0\0past4\0\0'));
  assert.is(file.range(SPARSE_SIZE, SPARSE_SIZE).length, 0);
  // A range longer than a window (1 GiB) gets a view of its own: check both of its ends.
  const long = file.range(3 * GiB - 2, 4 * GiB + 128);
  assert.is(long.length, GiB + 130);
  assert.is(long.subarray(0, 4).toString(), 'w3w3');
  assert.is(long.subarray(long.length - 5).toString(), 'past4');
  const ranges = MARKS.map(([offset, text]): [number, number] => [offset, offset + text.length]);
  assert.equal(file.multiRange(ranges).map(String), MARKS.map(([, text]) => text));
  assert.is(file.gather(new Float64Array(ranges.flat())).toString(), MARKS.map(([, text]) => text).join(''));
  assert.is(file.gather(ranges).toString(), MARKS.map(([, text]) => text).join(''));
  // Past the end is INVALID_RANGE, in JS and in C++; the whole file is more than one Buffer holds on Node 20.
  assert.is((await mmapError(() => file.range(SPARSE_SIZE - 1, SPARSE_SIZE + 1))).code, 'INVALID_RANGE');
  const gathered = await mmapError(() => file.gather(new Float64Array([4 * GiB, SPARSE_SIZE + 1])));
  assert.ok(gathered.message.includes(`range 0 [${4 * GiB}, ${SPARSE_SIZE + 1})`), gathered.message);
  if (SPARSE_SIZE > bufferConstants.MAX_LENGTH) assert.is((await mmapError(() => file.bytes())).code, 'INVALID_RANGE');
  file.close();
});

test('the addon checks the type tag of every handle: anything else is a TypeError, never a wild pointer', () => {
  const notHandles: unknown[] = [undefined, null, 42, 'handle', {}, [], Buffer.alloc(8), () => {}, new Float64Array(2)];
  const calls: Array<[string, (h: FileHandle) => unknown]> = [
    ['size', (h) => native.size(h)],
    ['view', (h) => native.view(h, 0, 1)],
    ['gather', (h) => native.gather(h, new Float64Array([0, 1]))],
    ['advise', (h) => native.advise(h, 0)],
    ['adviseAsync', (h) => native.adviseAsync(h, 0)],
    ['close', (h) => native.close(h)],
  ];
  for (const value of notHandles) {
    for (const [name, call] of calls) {
      assert.throws(() => call(value as FileHandle), (e: unknown) => e instanceof TypeError && /handle/.test((e as Error).message), `${name}(${String(value)})`);
    }
  }
  const handle = native.open(small, 0);
  assert.throws(() => native.view(handle, 0, 257), (e: unknown) => (e as MmapError).code === 'INVALID_RANGE');
  assert.throws(() => native.advise(handle, 32), (e: unknown) => e instanceof RangeError);
  assert.is(native.close(handle), true);
  assert.is(native.close(handle), false);
});

test('the package entry exports MmapFile, MmapCache, MmapConfig and MmapError', () => {
  assert.ok(main.MmapFile === MmapFile && main.MmapError === MmapError && main.MmapConfig === MmapConfig);
  const cache = new main.MmapCache({ maxEntries: 1 });
  assert.equal(cache.getOrCreate(small).range(0, 3), SMALL.subarray(0, 3));
  cache.clear();
});

test.run();
