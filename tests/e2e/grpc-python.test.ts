// An independent client: Debian's /usr/bin/python3 with python3-grpcio, and messages protoc generates from
// schema/ipfrs/v1 at test time (tests/helpers/grpc_client.py). It reads slices of the shared fixtures into numpy
// and compares them with numpy's own indexing, resumes with offset, provokes the status codes, misses a deadline
// and adds a file with a bearer token.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROTO_FILES, SCHEMA_DIR } from '../../src/grpc/proto.ts';
import { cidOfBytes } from '../../src/store/cid.ts';
import { planSlice } from '../../src/tensor/slice.ts';
import { startGrpcFixture, TOKENS, type GrpcFixture } from '../helpers/grpc.ts';
import { fixtureFiles, REPO, tempDir } from '../../src/devkit/paths.ts';

const PYTHON = '/usr/bin/python3';
// Dtypes numpy_reference.py reads (numpy has no BF16 or F8).
const NUMPY_DTYPES = new Set(['BOOL', 'U8', 'I8', 'I16', 'U16', 'F16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']);
const SPECS = ['', '0', '-1', '::2', '1:3', '::-1', '..., 0', '..., ::-2', '0:1, ...'];

let dir: ReturnType<typeof tempDir>;
let fx: GrpcFixture;
const cases: Array<{ cid: string; name: string; spec: string; path: string; tensor: string }> = [];
let big = { cid: '', name: 'big', size: 4 * 1024 * 1024 };

beforeAll(test, async () => {
  dir = tempDir('ipfrs-grpc-python-');
  fx = await startGrpcFixture(join(dir.path, 'store'));
  for (const path of fixtureFiles()) {
    const { file } = await fx.store.add(path);
    for (const tensor of fx.store.tensorsOf(file.cid).slice(0, 5)) {
      if (!NUMPY_DTYPES.has(tensor.dtype)) continue;
      for (const spec of SPECS) {
        try {
          planSlice(tensor, spec);
        } catch {
          continue;
        }
        // The name is left out for one-tensor files: the server finds the tensor itself.
        cases.push({ cid: file.cid, name: file.tensorCount === 1 ? '' : tensor.name, spec, path, tensor: tensor.name });
      }
    }
  }
  const source = join(dir.path, 'big.bin');
  writeFileSync(source, randomBytes(big.size));
  big = { ...big, cid: (await fx.store.add(source, { dtype: 'U8', shape: [big.size], name: 'big' })).file.cid };
});

test.after(async () => {
  await fx.close();
  dir.cleanup();
});

test('python3-grpcio with protoc messages: fixture slices equal numpy indexing; resume, status codes, deadline, AddFile', async () => {
  const generated = join(dir.path, 'python');
  mkdirSync(generated, { recursive: true });
  execFileSync('protoc', ['-I', SCHEMA_DIR, `--python_out=${generated}`, ...PROTO_FILES]);
  const job = { cases, admin: TOKENS.admin, weak: TOKENS.none, missing: cidOfBytes(Buffer.from('missing')), big };
  // Asynchronously: the server answering the client runs in this process.
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(PYTHON, [join(REPO, 'tests', 'helpers', 'grpc_client.py'), fx.grpc.address, generated], { maxBuffer: 16 << 20, timeout: 120_000 }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
    );
    child.stdin!.end(JSON.stringify(job));
  });
  const results = JSON.parse(stdout) as Array<{ what: string; ok: boolean; detail: string }>;
  assert.ok(cases.length > 50, `${cases.length} slice cases`);
  assert.is(results.length, cases.length + 11);
  for (const r of results) assert.ok(r.ok, `${r.what}: ${r.detail}`);
  const codes = results.filter((r) => /^[A-Z_]+$/.test(r.what)).map((r) => r.what);
  assert.equal(codes, ['NOT_FOUND', 'INVALID_ARGUMENT', 'OUT_OF_RANGE', 'UNAUTHENTICATED', 'PERMISSION_DENIED', 'DEADLINE_EXCEEDED']);
  assert.equal(fx.errors, []);
});

test.run();
