// ipfrs cat --tensors (a safetensors file of some tensors) and --format arrow|safetensors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { parseSafetensors } from '../../src/tensor/safetensors.ts';
import { runCli } from '../helpers/cli.ts';
import { makeFormatFiles, type FormatFiles } from '../helpers/format-files.ts';

let files: FormatFiles;
let store: string;

test.before(async () => {
  files = await makeFormatFiles();
  store = join(files.dir.path, 'store');
});

test.after(() => files.close());

test('cat --tensors writes a safetensors file of those tensors, metadata kept', async () => {
  const out = await runCli(['cat', '--store', store, files.all.record.cid, '--tensors', 'enc/k,s']);
  assert.is(out.code, 0, out.stderr);
  const parsed = parseSafetensors(out.stdout, out.stdout.byteLength);
  assert.equal(parsed.tensors.map((t) => t.name).sort(), ['enc/k', 's']);
  assert.equal(parsed.metadata, files.all.metadata);
  const k = parsed.tensors.find((t) => t.name === 'enc/k')!;
  assert.equal([...out.stdout.subarray(k.byteOffset, k.byteOffset + k.byteLength)], [1, 2, 3, 4, 5, 6]);
});

test('cat --format arrow and safetensors, with a slice', async () => {
  const arrow = await runCli(['cat', '--store', store, files.all.record.cid, '--tensor', 'big', '--slice', '-1, ::-1024', '--format', 'arrow']);
  assert.is(arrow.code, 0, arrow.stderr);
  assert.equal([...(tableFromIPC(arrow.stdout).getChild('data')!.toArray() as Float32Array)], [700 * 2048 - 1, 699 * 2048 + 1023]);
  const st = await runCli(['cat', '--store', store, files.bigEndian.record.cid, '--format', 'safetensors']);
  assert.is(st.code, 0, st.stderr);
  const parsed = parseSafetensors(st.stdout, st.stdout.byteLength);
  assert.equal(parsed.tensors[0]!.shape, [7, 9]);
  assert.is(st.stdout.readInt32LE(parsed.tensors[0]!.byteOffset + 4), 1000 - 31000, 'big-endian source, little-endian output');
});

test('cat --tensors: usage errors and a missing tensor', async () => {
  const mixed = await runCli(['cat', '--store', store, files.all.record.cid, '--tensors', 's', '--slice', '0']);
  assert.is(mixed.code, 2);
  assert.match(mixed.stderr, /does not combine/);
  const missing = await runCli(['cat', '--store', store, files.all.record.cid, '--tensors', 's,nope']);
  assert.is.not(missing.code, 0);
  assert.match(missing.stderr, /no tensor named "nope"/);
  const empty = await runCli(['cat', '--store', store, files.all.record.cid, '--tensors', ',']);
  assert.is(empty.code, 2);
});

test.run();
