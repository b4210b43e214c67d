// RssAnon of a process (anonymous memory: heap and buffers, not the page cache), and its peak while work runs:
// what the memory rows of every group measure.
import { readFileSync } from 'node:fs';

export function rssAnon(pid: number): number {
  const match = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no RssAnon in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Samples `pid`'s RssAnon every 20 ms from now; stop() ends it, samples once more and returns the peak (>= from). */
export function sampleRssAnon(pid: number, from: number): { stop(): number } {
  let peak = from;
  const sample = () => {
    try {
      peak = Math.max(peak, rssAnon(pid));
    } catch {
      // the process went away: the work under way fails and says so
    }
  };
  const timer = setInterval(sample, 20);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
