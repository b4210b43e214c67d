// CLI cold start: `ipfrs --version` through the built bin (dist/cli.js, plain Node, as an installed package runs
// it) against `node -e 0` on the same machine, alternating, wall time of each process from spawn to exit.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { guarded, type BenchContext, type RowHeader } from './lib/context.ts';
import { REPO_ROOT } from './lib/servers.ts';
import { alternate } from './lib/stats.ts';
import { makeRow, skippedRow, type Row } from './lib/table.ts';

const HEADER: RowHeader = { group: 'cli', name: 'CLI cold start (ipfrs --version)', unit: 's', baseline: 'node -e 0', target: { on: 'value', op: '<=', limit: 0.2 } };

function wallSeconds(args: string[]): number {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  return (performance.now() - start) / 1000;
}

export async function cliBench(ctx: BenchContext): Promise<Row[]> {
  const bin = join(REPO_ROOT, 'dist', 'cli.js');
  if (!existsSync(bin)) return [skippedRow(HEADER, 'dist/ is not built (npm run build)')];
  return guarded(ctx, [HEADER], async () => {
    wallSeconds([bin, '--version']); // the first run reads the files into the page cache
    const samples = await alternate({ ipfrs: () => wallSeconds([bin, '--version']), node: () => wallSeconds(['-e', '0']) }, 5);
    return [makeRow({ ...HEADER, better: 'lower', values: samples.ipfrs, baselineValues: samples.node })];
  });
}
