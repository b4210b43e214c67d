// Writing to stdout: large payloads go out in chunks, waiting for the pipe to drain.
import type { Writable } from 'node:stream';

const CHUNK = 1 << 20;

export async function writeParts(out: Writable, parts: readonly Uint8Array[]): Promise<void> {
  for (const part of parts) {
    for (let offset = 0; offset < part.byteLength; offset += CHUNK) {
      const chunk = part.subarray(offset, Math.min(offset + CHUNK, part.byteLength));
      if (!out.write(chunk)) await drained(out);
    }
  }
}

function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      out.off('drain', done);
      out.off('error', fail);
      resolve();
    };
    const fail = (error: Error) => {
      out.off('drain', done);
      reject(error);
    };
    out.once('drain', done);
    out.once('error', fail);
  });
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
