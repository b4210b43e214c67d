// Flags and environment -> settings. Pure apart from reading process.env and cwd through its arguments.
import { resolve } from 'node:path';

export interface StoreSettings {
  root: string;
}

/** `--store DIR`, else `$IPFRS_HOME`, else `./.ipfrs`. */
export function resolveStoreRoot(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, flag ?? env.IPFRS_HOME ?? '.ipfrs');
}

/** Durations like `90`, `90s`, `15m`, `2h`, `7d` -> seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new UsageError(`invalid duration ${JSON.stringify(text)}: use e.g. 90s, 15m, 2h or 7d`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** Sizes like `65536`, `64k`, `64KiB`, `1g` -> bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`invalid size ${JSON.stringify(text)}: use e.g. 65536, 64k or 1g`);
  const power = ' kmgt'.indexOf((match[2] || ' ').toLowerCase());
  const bytes = Number(match[1]) * 1024 ** power;
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`size ${JSON.stringify(text)} is too large`);
  return bytes;
}

/** `2,3,4` or `[2, 3, 4]` or `` (a scalar) -> [2, 3, 4]. */
export function parseShape(text: string): number[] {
  const inner = text.trim().replace(/^[[(]|[\])]$/g, '').trim();
  if (inner === '') return [];
  return inner.split(',').map((part) => {
    const value = Number(part.trim());
    if (!/^\d+$/.test(part.trim()) || !Number.isSafeInteger(value)) throw new UsageError(`invalid shape ${JSON.stringify(text)}: use e.g. 2,3,4`);
    return value;
  });
}

/** `a-b` (inclusive, like curl -r) or `a-` -> [start, end) given the size. */
export function parseByteRange(text: string, size: number): [number, number] {
  const match = /^(\d+)-(\d*)$/.exec(text.trim());
  if (!match) throw new UsageError(`invalid range ${JSON.stringify(text)}: use START-END (inclusive) or START-`);
  const start = Number(match[1]);
  if (match[2] !== '' && Number(match[2]) < start) throw new UsageError(`invalid range ${text}: the end is before the start`);
  const end = match[2] === '' ? size : Number(match[2]) + 1;
  if (end > size || start > size) throw new UsageError(`range ${text} is outside the file (size ${size} bytes)`);
  return [start, end];
}

/** A mistake in how the command was called: exit status 2 and a one-line message. */
export class UsageError extends Error {
  override name = 'UsageError';
}
