// Python: the `ipfrs` client (python/) against plain Python reading the same bytes from nginx (best config), in
// one Python process that alternates them round by round (bench/python/client_bench.py). A 256 MiB F32 tensor
// [8192, 8192] in a .npy: get_tensor vs urllib + np.frombuffer of the whole file; random 4 KiB slices
// (t[i, j:j+1024], one row piece) vs keep-alive 4 KiB Range GETs by http.client; and, without a target, strided
// 4 KiB slices (t[i:i+1024, j]) that the server gathers.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { guarded, INSTALL_HINT, type BenchContext, type RowHeader } from './lib/context.ts';
import { randomFile } from './lib/fixtures.ts';
import { REPO_ROOT, startIpfrs, startNginx, type RunningServer } from './lib/servers.ts';
import { MiB } from './lib/stats.ts';
import { makeRow, skippedRow, type Row } from './lib/table.ts';

const run = promisify(execFile);
const BASELINE_GET = 'Python urllib + np.frombuffer from nginx';
const BASELINE_4K = 'Python http.client keep-alive 4 KiB GETs from nginx';
const HEADERS: RowHeader[] = [
  { group: 'python', name: 'Python get_tensor, 256 MiB F32', unit: 'GB/s', baseline: BASELINE_GET, target: { on: 'ratio', op: '>=', limit: 1.0 } },
  { group: 'python', name: 'Python random 4 KiB slices t[i, j:j+1024]', unit: 'slices/s', baseline: BASELINE_4K, target: { on: 'ratio', op: '>=', limit: 0.5 } },
  // Section 7 sets no target for gathered slices: informational.
  { group: 'python', name: 'Python random strided 4 KiB slices t[i:i+1024, j]', unit: 'slices/s', baseline: BASELINE_4K },
];

/** Debian's python3 (what CI installs numpy into), else PATH's; IPFRS_PYTHON overrides. */
function python(): string {
  if (process.env.IPFRS_PYTHON) return process.env.IPFRS_PYTHON;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

export async function pythonBench(ctx: BenchContext): Promise<Row[]> {
  if (!ctx.tools.nginx) return HEADERS.map((h) => skippedRow(h, `nginx is not installed (${INSTALL_HINT})`));
  return guarded(ctx, HEADERS, async () => {
    const py = python();
    await run(py, ['-c', 'import numpy']).catch(() => {
      throw new Error(`${py} has no numpy (apt-get install python3-numpy)`);
    });
    const store = await prepare(ctx);
    let ipfrs: RunningServer | undefined;
    let nginx: RunningServer | undefined;
    try {
      ipfrs = await startIpfrs(store.dir, ctx.tmpDir, 'ipfrs-python', ctx.profileDir);
      nginx = await startNginx(ctx.tools.nginx!, 'nginx-python', dirname(store.objectPath), { sendfile: false, outputBuffers: '2 1m' }, ctx.tmpDir);
      const rounds = ctx.quick ? 3 : 5;
      const seconds = ctx.quick ? 1 : 3;
      ctx.log(`  ${rounds} rounds: get_tensor, 4 KiB slices (${seconds} s each), alternating with nginx`);
      const { stdout } = await run(
        py,
        [join(REPO_ROOT, 'bench/python/client_bench.py'), ipfrs.url, store.cid, 'f32', `${nginx.url}/${basename(store.objectPath)}`, String(store.dataOffset), String(rounds), String(seconds)],
        { env: { ...process.env, PYTHONPATH: join(REPO_ROOT, 'python/src') }, maxBuffer: 16 * MiB, timeout: 15 * 60_000 },
      );
      const s = JSON.parse(stdout) as Record<string, number[]>;
      return [
        makeRow({ ...HEADERS[0]!, better: 'higher', values: s.get_ipfrs!, baselineValues: s.get_nginx! }),
        makeRow({ ...HEADERS[1]!, better: 'higher', values: s.r4k_ipfrs!, baselineValues: s.r4k_nginx!, note: 'one Range GET of the tensor link each' }),
        makeRow({ ...HEADERS[2]!, better: 'higher', values: s.r4k_strided_ipfrs!, baselineValues: s.r4k_nginx!, note: 'one GraphQL inline slice each' }),
      ];
    } finally {
      await ipfrs?.stop();
      await nginx?.stop();
    }
  });
}

/** A store holding f32.npy: [8192, 8192] float32 of random bits, added through the store's own API. */
async function prepare(ctx: BenchContext): Promise<{ dir: string; cid: string; objectPath: string; dataOffset: number }> {
  const { npyHeader } = await import('../src/tensor/npy.ts');
  const { TensorStore } = await import('../src/store/tensor-store.ts');
  const header = npyHeader('<f4', [8192, 8192]);
  const dataPath = join(ctx.tmpDir, 'data', 'f32.npy');
  const bits = randomFile(join(ctx.tmpDir, 'data', 'big.bin'), 256 * MiB);
  mkdirSync(dirname(dataPath), { recursive: true });
  if (!existsSync(dataPath)) {
    const out = await open(dataPath, 'w');
    const input = await open(bits, 'r');
    try {
      await out.write(header);
      const chunk = Buffer.allocUnsafe(4 * MiB);
      for (let at = 0; ; ) {
        const { bytesRead } = await input.read(chunk, 0, chunk.length, at);
        if (!bytesRead) break;
        await out.write(chunk, 0, bytesRead);
        at += bytesRead;
      }
    } finally {
      await out.close();
      await input.close();
    }
  }
  const dir = join(ctx.tmpDir, 'store-python');
  const store = TensorStore.open(dir);
  try {
    const added = await store.add(dataPath, { name: 'f32' });
    return { dir, cid: added.file.cid, objectPath: store.objectPath(added.file.cid), dataOffset: header.length };
  } finally {
    store.close();
  }
}
