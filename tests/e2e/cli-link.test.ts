// `ipfrs link`: signed URLs from the store's own key ring, that a server on the same store serves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { join } from 'node:path';
import { keyRingFromJSON, verifyRequest } from '../../src/http/sign.ts';
import { MmapCache } from '../../src/mmap/index.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { loadOrCreateKeyRing } from '../../src/store/secrets.ts';
import { tensorPayload } from '../../src/store/tensor-payload.ts';
import { TensorReader } from '../../src/store/tensor-reader.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { encodeSafetensors } from '../../src/tensor/safetensors-encode.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../../src/devkit/paths.ts';

let dir: ReturnType<typeof tempDir>;
let root: string;
let cid: string;
let server: RunningServer;
const w = Float32Array.from({ length: 12 * 8 }, (_, i) => i / 4);

beforeAll(test, async () => {
  dir = tempDir('ipfrs-link-');
  root = join(dir.path, 'store');
  const store = TensorStore.open(root);
  const bytes = encodeSafetensors([
    { name: 'w', dtype: 'F32', shape: [12, 8], data: new Uint8Array(w.buffer) },
    { name: 'h', dtype: 'BF16', shape: [4], data: new Uint8Array(8) },
  ]);
  cid = (await store.add((async function* () { yield bytes; })(), { name: 'm.safetensors' })).file.cid;
  store.close();
  server = await startServer({ storeRoot: root, port: 0, logger: silentLogger });
});

test.after(async () => {
  await server.close();
  dir.cleanup();
});

const link = (...args: string[]) => runCli(['link', ...args, '--store', root]);

function verify(url: string, prefix = '') {
  const parsed = new URL(url);
  const ring = keyRingFromJSON(loadOrCreateKeyRing(root).ring);
  return verifyRequest(parsed.pathname.slice(prefix.length), parsed.searchParams, { ring });
}

test('a blob link: the default base and a 15 minute expiry, signed with the store key', async () => {
  const { code, stdout } = await link(cid);
  assert.is(code, 0);
  const url = stdout.toString().trim();
  assert.match(url, new RegExp(`^http://127\\.0\\.0\\.1:8080/v1/blob/${cid}\\?exp=\\d+&kid=[\\w-]+&sig=[\\w-]{43}$`));
  const verdict = verify(url);
  assert.ok(verdict.ok);
  if (verdict.ok) assert.ok(Math.abs(verdict.expiresAt - (Date.now() / 1000 + 900)) < 5);
});

test('an expiry shorter than the clock skew prints the link with a warning on stderr', async () => {
  const short = await link(cid, '--expires', '10s');
  assert.is(short.code, 0);
  assert.match(short.stdout.toString(), /^http:/);
  assert.match(short.stderr, /warning: --expires 10s is shorter than the server's clock skew \(30 s\)/);
  assert.is((await link(cid, '--expires', '10s', '--clock-skew', '5s')).stderr, '');
  assert.is((await link(cid, '--expires', '1m')).stderr, '');
});

test('a slice link with --format, --expires and a base with a path prefix; --json gives the length', async () => {
  const { code, stdout } = await link(cid, '--tensor', 'w', '--slice', '::3, 2:5', '--format', 'npy', '--expires', '2h', '--base', 'https://t.example.com/tensors', '--json');
  assert.is(code, 0);
  const out = JSON.parse(stdout.toString()) as { url: string; expiresAt: string; byteLength: number };
  assert.ok(out.url.startsWith(`https://t.example.com/tensors/v1/tensor/${cid}/w?`), out.url);
  const verdict = verify(out.url, '/tensors');
  assert.ok(verdict.ok, JSON.stringify(verdict));
  assert.ok(Math.abs(Date.parse(out.expiresAt) / 1000 - (Date.now() / 1000 + 7200)) < 5);
  const store = TensorStore.open(root);
  try {
    const payload = tensorPayload(new TensorReader(store, new MmapCache({ maxEntries: 2 })), store.getTensor(cid, 'w')!, { slice: '::3, 2:5', format: 'npy' });
    assert.is(out.byteLength, payload.byteLength);
  } finally {
    store.close();
  }
});

test('the server on the same store serves what ipfrs link signs; HEAD too', async () => {
  const { stdout } = await link(cid, '--tensor', 'w', '--slice', '1', '--base', server.url);
  const url = stdout.toString().trim();
  const res = await fetch(url);
  assert.is(res.status, 200);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(w.slice(8, 16).buffer)));
  assert.is((await fetch(url, { method: 'HEAD' })).headers.get('content-length'), '32');
  const tampered = url.replace('slice=1', 'slice=2');
  assert.is((await fetch(tampered)).status, 403);
});

test('mistakes: usage errors exit 2, unknown things and impossible requests exit 1, one line each', async () => {
  const cases: Array<[string[], number, RegExp]> = [
    [[], 2, /expected one CID/],
    [[cid, '--format', 'csv'], 2, /unknown format csv/],
    [[cid, '--expires', '8d'], 2, /between 1s and 7d/],
    [[cid, '--expires', 'soon'], 2, /invalid duration/],
    [[cid, '--base', 'ftp://x'], 2, /http or https/],
    [[cid, '--base', 'not a url'], 2, /must be a URL/],
    [['bafkreigks6arfsq3xxfpvqrrwonchxcnu6do76auprhhfomao6c273sixm'], 1, /no file with CID/],
    [['not-a-cid'], 1, /not a CID/],
    [[cid, '--tensor', 'nope'], 1, /no tensor named "nope"/],
    [[cid, '--tensor', 'w', '--slice', '99'], 1, /out of bounds/],
    [[cid, '--tensor', 'h', '--format', 'npy'], 1, /NumPy has no BF16/],
    [[cid, '--slice', '0'], 1, /give a tensor name/],
  ];
  for (const [args, code, message] of cases) {
    const result = await link(...args);
    assert.is(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.is(result.stderr.trim().split('\n').length, 1, args.join(' '));
  }
});

test.run();
