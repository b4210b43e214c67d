// Real download clients against signed links: curl (one range, two ranges), wget -c resuming a partial file,
// aria2c with 4 connections, and numpy.load of a format=npy slice link (compared with numpy slicing the original).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadPath } from '../../src/http/paths.ts';
import { fixtureFiles, tempDir } from '../../src/devkit/paths.ts';
import { checkWithNumpy, PYTHON, type NumpyCase } from '../helpers/python.ts';
import { makeFixture, once, parseMultipart, startRoute, type Fixture, type RouteServer } from '../helpers/download-server.ts';

let fx: Fixture;
let route: RouteServer;
let scratch: ReturnType<typeof tempDir>;
let big: Buffer;
let bigUrl: string;

const BIG = 9 * 1024 * 1024 + 12345; // not a multiple of anything a client splits by

beforeAll(test, async () => {
  fx = await makeFixture();
  route = await startRoute(fx);
  scratch = tempDir('ipfrs-clients-');
  const words = new Uint32Array(Math.ceil(BIG / 4));
  for (let i = 0; i < words.length; i++) words[i] = Math.imul(i + 1, 2246822519) ^ (i >>> 5);
  big = Buffer.from(words.buffer, 0, BIG);
  const { file } = await fx.store.add(once(big), { dtype: 'U8', shape: [BIG], name: 'big.bin' });
  bigUrl = `${route.url}${route.sign(downloadPath({ kind: 'blob', cid: file.cid }))}`;
});

test.after(async () => {
  await route.close();
  fx.close();
  scratch.cleanup();
});

// Asynchronous: the server runs in this process, so a blocking child would deadlock it.
const exec = promisify(execFile);
const run = async (cmd: string, args: string[], input?: string): Promise<Buffer> => {
  const child = exec(cmd, args, { maxBuffer: 64 << 20, encoding: 'buffer' });
  if (input !== undefined) child.child.stdin!.end(input);
  return (await child).stdout;
};

test('curl -r with one range', async () => {
  const out = await run('curl', ['-sS', '--fail', '-r', '1000000-1999999', bigUrl]);
  assert.ok(out.equals(big.subarray(1_000_000, 2_000_000)));
  const tail = await run('curl', ['-sS', '--fail', '-r', `-${777}`, bigUrl]);
  assert.ok(tail.equals(big.subarray(BIG - 777)));
});

test('curl -r with two ranges: a multipart/byteranges body with both parts', async () => {
  const body = join(scratch.path, 'two-ranges');
  const type = (await run('curl', ['-sS', '--fail', '-r', '0-99,5000000-5000999', '-o', body, '-w', '%{content_type}', bigUrl])).toString();
  const parts = parseMultipart(readFileSync(body), type);
  assert.is(parts.length, 2);
  assert.is(parts[0]!.headers['content-range'], `bytes 0-99/${BIG}`);
  assert.ok(parts[0]!.body.equals(big.subarray(0, 100)));
  assert.is(parts[1]!.headers['content-range'], `bytes 5000000-5000999/${BIG}`);
  assert.ok(parts[1]!.body.equals(big.subarray(5_000_000, 5_001_000)));
});

test('wget -c resumes a partial download into the same bytes', async () => {
  const target = join(scratch.path, 'resumed.bin');
  writeFileSync(target, big.subarray(0, 3_333_333));
  const before = route.metrics.bytesServed;
  await run('wget', ['-q', '-c', '-O', target, bigUrl]);
  assert.ok(readFileSync(target).equals(big));
  assert.is(route.metrics.bytesServed - before, BIG - 3_333_333, 'only the missing part was sent (a 206)');
});

test('aria2c -x4 -s4: four connections, byte-identical file', async () => {
  await run('aria2c', ['-q', '-x4', '-s4', '--min-split-size=1M', '--allow-overwrite=true', '--auto-file-renaming=false', '-d', scratch.path, '-o', 'aria.bin', bigUrl]);
  assert.ok(readFileSync(join(scratch.path, 'aria.bin')).equals(big));
});

test('numpy.load of format=npy slice links equals numpy slicing of the original', async () => {
  // Our model (F32 64x64 and more) and the real fixture files; each tensor NumPy can hold, sliced several ways.
  const modelPath = join(scratch.path, 'model.safetensors');
  writeFileSync(modelPath, fx.model.bytes);
  const sources: Array<{ path: string; cid: string }> = [{ path: modelPath, cid: fx.model.record.cid }];
  for (const path of fixtureFiles().slice(0, 6)) sources.push({ path, cid: (await fx.store.add(path)).file.cid });
  const specs = ['', '0', '-1', '::2', '1:3', '::-1', '..., 0', '..., ::-2'];
  const links: Array<{ url: string; npy: string; case: NumpyCase }> = [];
  for (const { path, cid } of sources) {
    for (const tensor of fx.store.tensorsOf(cid)) {
      if (['BF16', 'F8_E5M2', 'F8_E4M3'].includes(tensor.dtype) || tensor.shape.length === 0) continue;
      for (const spec of specs) {
        if (spec !== '' && tensor.shape[0] === 0) continue;
        if (spec.includes('...') && tensor.shape.length < 1) continue;
        const params: Record<string, string> = { format: 'npy' };
        if (spec) params.slice = spec;
        const url = `${route.url}${route.sign(downloadPath({ kind: 'tensor', cid, name: tensor.name }), params)}`;
        const npy = join(scratch.path, `case-${links.length}.npy`);
        const source = path.endsWith('.npy') ? { path } : { path, name: tensor.name };
        links.push({ url, npy, case: { source, spec, npy } });
      }
    }
  }
  assert.ok(links.length >= 40, `${links.length} links`);
  // Python fetches each link itself (urllib) and checks numpy.load can read what came back.
  const script = `
import io, json, sys, urllib.request
import numpy as np
for item in json.load(sys.stdin):
    data = urllib.request.urlopen(item["url"]).read()
    np.load(io.BytesIO(data))
    open(item["npy"], "wb").write(data)
`;
  await run(PYTHON, ['-c', script], JSON.stringify(links.map(({ url, npy }) => ({ url, npy }))));
  const verdicts = checkWithNumpy(links.map((l) => l.case));
  const failed = verdicts.map((v, i) => ({ ...v, spec: links[i]!.case.spec, source: links[i]!.case.source })).filter((v) => !v.ok);
  assert.equal(failed, [], JSON.stringify(failed.slice(0, 5)));
});

test.run();
