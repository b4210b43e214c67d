// format=safetensors and /v1/file/<cid>?tensors= read by a numpy-only safetensors reader (tests/helpers/
// formats_check.py) and compared with numpy's indexing of the input files: the real fixtures by other tools, and
// files with every dtype, 0-d and empty tensors, a column-major and a big-endian .npy.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadPath } from '../../src/http/paths.ts';
import type { FileRecord } from '../../src/store/types.ts';
import { once, startRoute, type RouteServer } from '../helpers/download-server.ts';
import { makeFormatFiles, type FormatFiles } from '../helpers/format-files.ts';
import { fixtureFiles } from '../../src/devkit/paths.ts';
import { checkFormats } from '../helpers/python.ts';


let files: FormatFiles;
let server: RouteServer;
const sources: Array<{ path: string; record: FileRecord }> = [];

test.before(async () => {
  files = await makeFormatFiles();
  server = await startRoute(files as never);
  for (const path of fixtureFiles()) sources.push({ path, record: (await files.store.add(once(readFileSync(path)), { name: path.split('/').pop() })).file });
  sources.push({ path: files.all.path, record: files.all.record }, { path: files.fortran.path, record: files.fortran.record }, { path: files.bigEndian.path, record: files.bigEndian.record });
});

test.after(async () => {
  await server.close();
  files.close();
});

let saved = 0;
async function save(path: string, params: Record<string, string>): Promise<string> {
  const response = await fetch(`${server.url}${server.sign(path, params)}`);
  const body = Buffer.from(await response.arrayBuffer());
  assert.is(response.status, 200, `${path} ${JSON.stringify(params)}: ${body.toString().slice(0, 300)}`);
  assert.is(Number(response.headers.get('content-length')), body.byteLength);
  const out = join(files.dir.path, `out-${saved++}.safetensors`);
  writeFileSync(out, body);
  return out;
}

test('format=safetensors of every tensor, whole and sliced with negative steps, equals numpy', async () => {
  const cases = [];
  for (const source of sources) {
    for (const tensor of files.store.tensorsOf(source.record.cid)) {
      const src = { path: source.path, name: tensor.name };
      const path = downloadPath({ kind: 'tensor', cid: tensor.cid, name: tensor.name });
      const specs = [''];
      if (tensor.shape.length >= 1) specs.push('::-2');
      if (tensor.shape.length >= 2) specs.push('1:, ::-3');
      if (tensor.shape.length >= 1 && tensor.shape[0]! > 0) specs.push('-1');
      for (const spec of specs) {
        const output = await save(path, spec === '' ? { format: 'safetensors' } : { format: 'safetensors', slice: spec });
        cases.push({ output, expect: [{ name: tensor.name, source: src, spec }] });
      }
    }
  }
  const results = await checkFormats({ mode: 'safetensors', cases });
  assert.ok(results.length > 60, `${results.length} cases`);
  const failed = results.filter((r) => !r.ok);
  assert.equal(failed, [], failed.map((r) => r.detail).join('\n'));
});

test('subsets: the named tensors in order, __metadata__ kept, the data equal to the source', async () => {
  const cases = [];
  for (const source of sources) {
    const names = files.store.tensorsOf(source.record.cid).map((t) => t.name);
    const metadata = source.record.metadata;
    for (const subset of [names.slice().reverse(), names.slice(0, 1), names.filter((_, i) => i % 2 === 1)]) {
      if (subset.length === 0) continue;
      const output = await save(`/v1/file/${source.record.cid}`, { tensors: subset.join(',') });
      cases.push({ output, metadata, expect: subset.map((name) => ({ name, source: { path: source.path, name } })) });
    }
  }
  const results = await checkFormats({ mode: 'safetensors', cases });
  assert.ok(results.length >= sources.length, `${results.length} cases`);
  const failed = results.filter((r) => !r.ok);
  assert.equal(failed, [], failed.map((r) => r.detail).join('\n'));
});

test.run();
