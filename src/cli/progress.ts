// Progress of a fetch from peers: a bar redrawn in place on a terminal (bytes, rate, peer), plain lines otherwise
// (one every few seconds, and the last).
import type { Writable } from 'node:stream';
import type { FetchProgress } from '../ipfs/peers.ts';
import { formatBytes } from './output.ts';

const LINE_EVERY_MS = 2000;
const DRAW_EVERY_MS = 100;
const BAR = 30;

export function fetchProgress(out: Writable & { isTTY?: boolean; columns?: number }): { update(p: FetchProgress): void; done(): void } {
  const started = performance.now();
  let last = 0;
  let drawn = false;
  const line = (p: FetchProgress): string => {
    const seconds = Math.max(0.001, (performance.now() - started) / 1000);
    const rate = `${formatBytes(p.bytes / seconds)}/s`;
    const of = p.total !== null ? ` / ${formatBytes(p.total)}` : '';
    return `${formatBytes(p.bytes)}${of}  ${rate}  from ${p.peer}`;
  };
  return {
    update(p) {
      const now = performance.now();
      const complete = p.total !== null && p.bytes >= p.total;
      if (!out.isTTY) {
        if (now - last < LINE_EVERY_MS && !complete) return;
        last = now;
        out.write(`fetching ${p.cid}: ${line(p)}\n`);
        return;
      }
      if (now - last < DRAW_EVERY_MS && !complete) return;
      last = now;
      const fraction = p.total ? Math.min(1, p.bytes / p.total) : 0;
      const filled = Math.round(fraction * BAR);
      const text = `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${Math.floor(fraction * 100)}%  ${line(p)}`;
      out.write(`\r${text.slice(0, (out.columns ?? 120) - 1)}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) out.write('\n');
    },
  };
}
