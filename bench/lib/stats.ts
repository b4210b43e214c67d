// Small statistics and the A B A B scheduler every benchmark shares. Pure apart from calling the subjects.

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Relative spread (max - min) / median: how far one run may be from another, for the notes column. */
export function spread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = median(values);
  return m === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / Math.abs(m);
}

/**
 * Runs every subject once per round, in the same order each round (A B C A B C ...), so slow drift of the
 * machine (other tenants, page cache, thermal) lands on all of them alike. Returns each subject's samples.
 */
export async function alternate<K extends string>(
  subjects: Record<K, () => Promise<number> | number>,
  rounds: number,
): Promise<Record<K, number[]>> {
  const keys = Object.keys(subjects) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (const key of keys) samples[key].push(await subjects[key]());
  }
  return samples;
}

export async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
