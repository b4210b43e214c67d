import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runCli, spawnCli } from '../helpers/cli.ts';
import { ABUSE_FIXTURE, fixtureFiles, tempDir } from '../../src/devkit/paths.ts';
import { checkWithNumpy, describeWithPython, type NumpyCase } from '../helpers/python.ts';

let dir: ReturnType<typeof tempDir>;
let store: string;
const cids = new Map<string, string>();

beforeAll(test, async () => {
  dir = tempDir();
  store = join(dir.path, 'store');
  const result = await runCli(['add', '--store', store, '--json', ...fixtureFiles()]);
  assert.is(result.code, 0, result.stderr);
  for (const line of result.stdout.toString().trim().split('\n')) {
    const row = JSON.parse(line);
    cids.set(row.path, row.cid);
  }
});
test.after(() => dir.cleanup());

const cidOf = (suffix: string) => [...cids].find(([path]) => path.endsWith(suffix))![1];

test('add prints the CID and tensor count; ls and info list them', async () => {
  const path = fixtureFiles().find((p) => p.endsWith('model.safetensors'))!;
  const again = await runCli(['add', '--store', store, path]);
  assert.is(again.code, 0);
  assert.match(again.stdout.toString(), new RegExp(`^${cidOf('model.safetensors')}  2 tensors  safetensors .*already stored`));
  const ls = await runCli(['ls', '--store', store, '--json']);
  assert.is(ls.stdout.toString().trim().split('\n').length, fixtureFiles().length);
  const table = await runCli(['ls', '--store', store]);
  assert.match(table.stdout.toString(), /^CID\s+FORMAT\s+SIZE\s+TENSORS\s+NAME/);
  const tensors = await runCli(['ls', '--store', store, '--tensors', '--dtype', 'f64', '--json']);
  const rows = tensors.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(rows.length >= 3 && rows.every((r) => r.dtype === 'F64'));
  const info = await runCli(['info', '--store', store, cidOf('model.safetensors')]);
  assert.match(info.stdout.toString(), /format\s+safetensors/);
  assert.match(info.stdout.toString(), /F64\s+\[8, 8\]/);
});

test('cat writes the file, a byte range, and a tensor exactly', async () => {
  const path = fixtureFiles().find((p) => p.endsWith('test.safetensors'))!;
  const bytes = readFileSync(path);
  const whole = await runCli(['cat', '--store', store, cidOf('test.safetensors')]);
  assert.ok(whole.stdout.equals(bytes));
  const part = await runCli(['cat', '--store', store, cidOf('test.safetensors'), '--range', '3-9']);
  assert.ok(part.stdout.equals(bytes.subarray(3, 10)));
  const open = await runCli(['cat', '--store', store, cidOf('test.safetensors'), '--range', '100-']);
  assert.ok(open.stdout.equals(bytes.subarray(100)));
  const described = describeWithPython([path])[path]!;
  for (const t of described) {
    const out = await runCli(['cat', '--store', store, cidOf('test.safetensors'), '--tensor', t.name!]);
    assert.ok(out.stdout.equals(bytes.subarray(t.byteOffset, t.byteOffset + t.byteLength)), t.name);
  }
});

const SPECS_BY_RANK: Record<number, string[]> = {
  0: ['', '...'],
  1: ['', '1:4', '::-1', '-3:', '::3', '5', '-1', '...', '2:2'],
  2: ['', '0', '-1', ':, 0', '1:3, ::2', '::-1, 1:', '..., -1', '0:1, ...', ':, ::-2', '-2:, -3::-1'],
  3: ['', '0', ':, 1', '..., 0', '0, ..., ::-1', '::2, :, 1:', '-1, -1, -1', ':, ::-1, :'],
};

test('cat --format npy of every fixture tensor and many slices equals numpy slicing', async () => {
  const files = fixtureFiles();
  const described = describeWithPython(files);
  const cases: NumpyCase[] = [];
  let n = 0;
  for (const path of files) {
    for (const t of described[path]!) {
      const specs = SPECS_BY_RANK[Math.min(t.shape.length, 3)]!.filter((s) => t.shape.length <= 3 || s === '' || s === '...');
      for (const spec of specs) {
        if (!specFits(spec, t.shape)) continue;
        const args = ['cat', '--store', store, cids.get(path)!, '--format', 'npy', '--slice', spec];
        if (t.name) args.push('--tensor', t.name);
        const out = await runCli(args);
        assert.is(out.code, 0, `${basename(path)} ${t.name} [${spec}]: ${out.stderr}`);
        const npy = join(dir.path, `case-${n++}.npy`);
        writeFileSync(npy, out.stdout);
        cases.push({ source: { path, name: t.name }, spec, npy });
      }
    }
  }
  assert.ok(cases.length > 150, `${cases.length} cases`);
  const verdicts = checkWithNumpy(cases);
  const failures = verdicts.map((v, i) => ({ ...v, c: cases[i]! })).filter((v) => !v.ok);
  assert.equal(failures.map((f) => `${basename(f.c.source.path)} ${f.c.source.name ?? ''} [${f.c.spec}]: ${f.detail}`), []);
});

/** Specs whose integer indices fit the shape (numpy would raise otherwise; that path is tested separately). */
function specFits(spec: string, shape: number[]): boolean {
  if (shape.some((d) => d === 0) && /(^|,)\s*-?\d+\s*(,|$)/.test(spec)) return false;
  const items = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.filter((s) => s !== '...').length > shape.length) return false;
  return items.every((item, i) => !/^-?\d+$/.test(item) || Math.abs(Number(item)) < (shape[i] ?? 0) + (Number(item) < 0 ? 1 : 0));
}

test('bad input: one line on stderr, non-zero exit, no stack, nothing written', async () => {
  const objectsBefore = readdirSync(join(store, 'objects')).sort();
  const truncated = join(dir.path, 'truncated.safetensors');
  writeFileSync(truncated, readFileSync(fixtureFiles().find((p) => p.endsWith('model.safetensors'))!).subarray(0, 40));
  const raw = join(dir.path, 'raw.bin');
  writeFileSync(raw, Buffer.alloc(10));
  const cid = cidOf('model.safetensors');
  const cases: Array<[string, string[], RegExp]> = [
    ['missing file', ['add', join(dir.path, 'missing.safetensors')], /no such file/],
    ['truncated header', ['add', truncated], /header|truncated|file/i],
    ['abuse file', ['add', ABUSE_FIXTURE], /header/i],
    ['wrong raw shape', ['add', raw, '--dtype', 'F32', '--shape', '2,3'], /size|bytes/i],
    ['raw without dtype', ['add', raw], /raw|dtype|format/i],
    ['unknown CID', ['info', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'], /no file/],
    ['malformed CID', ['cat', '../../etc/passwd'], /CID/],
    ['bad slice spec', ['cat', cid, '--tensor', 'ok', '--slice', '0:2:0'], /step|zero|tensor/i],
    ['bad slice index', ['cat', cidOf('test.npy'), '--slice', '99'], /out of bounds|index/i],
    ['range outside the file', ['cat', cid, '--range', '0-999999'], /outside/],
    ['unknown option', ['ls', '--frobnicate'], /frobnicate/],
  ];
  for (const [what, args, message] of cases) {
    const result = spawnCli([...args, '--store', store]);
    assert.ok(result.code !== 0, `${what}: exit ${result.code}`);
    const lines = result.stderr.trim().split('\n');
    assert.is(lines.length, 1, `${what}: ${result.stderr}`);
    assert.match(lines[0]!, /^ipfrs: /, what);
    assert.match(lines[0]!, message, what);
    assert.not.match(result.stderr, /\n\s+at /, `${what} printed a stack`);
    assert.is(result.stdout.length, 0, `${what} wrote to stdout`);
  }
  assert.equal(readdirSync(join(store, 'objects')).sort(), objectsBefore);
  assert.equal(readdirSync(join(store, 'tmp')), []);
});

test('verify passes on a clean store and fails with a report on a corrupt one', async () => {
  const ok = await runCli(['verify', '--store', store]);
  assert.is(ok.code, 0, ok.stdout.toString());
  assert.match(ok.stdout.toString(), new RegExp(`${fixtureFiles().length} of ${fixtureFiles().length} objects ok`));
});

test('rm removes a file', async () => {
  const cid = cidOf('B.safetensors');
  assert.is((await runCli(['rm', '--store', store, cid])).code, 0);
  const again = await runCli(['rm', '--store', store, cid]);
  assert.is(again.code, 1);
  assert.match(again.stderr, /no file/);
});

test.run();
