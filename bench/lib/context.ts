// What every benchmark receives from the runner: the mode, where to put files, which tools exist, a logger.
import type { Row, RowSpec } from './table.ts';
import { skippedRow } from './table.ts';

export interface BenchContext {
  quick: boolean;
  /** bench/.tmp: git-ignored scratch; big files are removed by the benchmark that made them. */
  tmpDir: string;
  tools: { nginx: string | null; wrk: string | null };
  /** bench --profile: the ipfrs servers write CPU profiles here (see bench/profile.ts). */
  profileDir?: string;
  /** Progress on stderr, so stdout carries only the table. */
  log(message: string): void;
}

export type RowHeader = Pick<RowSpec, 'group' | 'name' | 'unit' | 'baseline' | 'target'>;

export const INSTALL_HINT = 'apt-get install -y nginx-light wrk';

/** Runs a benchmark; if it throws, every row it would have made is reported as skipped with the reason. */
export async function guarded(ctx: BenchContext, headers: readonly RowHeader[], run: () => Promise<Row[]>): Promise<Row[]> {
  try {
    return await run();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    ctx.log(`  failed: ${reason}`);
    return headers.map((h) => skippedRow(h, reason));
  }
}
