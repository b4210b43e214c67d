// Ingest: TensorStore.add of a 1 GiB file (quick: 256 MiB) against `sha256sum` of the same file, alternating.
// add does more than hash (it writes, fsyncs and renames the object), so sha256sum is the ceiling it chases.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { guarded, type BenchContext, type RowHeader } from './lib/context.ts';
import { BIG_FILE, randomFile } from './lib/fixtures.ts';
import { runBounded } from './lib/load.ts';
import { findTool } from './lib/machine.ts';
import { alternate, GiB, MiB, timeAsync } from './lib/stats.ts';
import { makeRow, skippedRow, type Row } from './lib/table.ts';

const sizeText = (size: number) => (size >= GiB ? `${size / GiB} GiB` : `${size / MiB} MiB`);

function headers(size: number): [RowHeader, RowHeader] {
  return [
    { group: 'ingest', name: `ingest (TensorStore.add) of ${sizeText(size)}`, unit: 'MB/s', baseline: 'sha256sum', target: { on: 'ratio', op: '>=', limit: 0.7 } },
    // Debian's sha256sum hashes in portable C; OpenSSL (which node:crypto uses) has SHA-NI: the harder yardstick.
    { group: 'ingest', name: `ingest (TensorStore.add) of ${sizeText(size)} vs openssl`, unit: 'MB/s', baseline: 'openssl dgst -sha256' },
  ];
}

export async function ingestBench(ctx: BenchContext): Promise<Row[]> {
  const size = ctx.quick ? 256 * MiB : GiB;
  const [main, versusOpenssl] = headers(size);
  return guarded(ctx, [main, versusOpenssl], async () => {
    const sha256sum = findTool('sha256sum');
    if (!sha256sum) throw new Error('sha256sum (coreutils) is not installed');
    const openssl = findTool('openssl');
    const { TensorStore } = await import('../src/store/tensor-store.ts');
    // The 256 MiB quick input is the HTTP fixture's random file when it is there (randomFile reuses it).
    const file = randomFile(join(ctx.tmpDir, 'data', size === BIG_FILE ? 'big.bin' : `ingest-${size}.bin`), size);
    const storeDir = join(ctx.tmpDir, 'ingest-store');
    rmSync(storeDir, { recursive: true, force: true });
    const store = TensorStore.open(storeDir);
    try {
      const add = async () => {
        let cid = '';
        const seconds = await timeAsync(async () => {
          cid = (await store.add(file, { dtype: 'U8', shape: [size] })).file.cid;
        });
        // Each run adds afresh: a second add of the same bytes would skip the commit.
        store.remove(cid);
        return size / seconds / 1e6;
      };
      const hashWith = (program: string, args: string[]) => async () => {
        let result: Awaited<ReturnType<typeof runBounded>> | undefined;
        const seconds = await timeAsync(async () => {
          result = await runBounded(program, [...args, file], 300_000);
        });
        if (result!.code !== 0) throw new Error(`${program} failed: ${result!.stderr}`);
        return size / seconds / 1e6;
      };
      const hash = hashWith(sha256sum, []);
      const ssl = openssl ? hashWith(openssl, ['dgst', '-sha256']) : async () => Number.NaN;
      await hash(); // everyone reads the file from the page cache, not the disk
      const samples = await alternate({ add, hash, ssl }, ctx.quick ? 3 : 5);
      return [
        makeRow({ ...main, better: 'higher', values: samples.add, baselineValues: samples.hash }),
        openssl
          ? makeRow({ ...versusOpenssl, better: 'higher', values: samples.add, baselineValues: samples.ssl })
          : skippedRow(versusOpenssl, 'openssl is not installed'),
      ];
    } finally {
      store.close();
      rmSync(storeDir, { recursive: true, force: true });
    }
  });
}
