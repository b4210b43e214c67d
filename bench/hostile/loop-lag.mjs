// Preloaded into `ipfrs serve` by bench/hostile/inline.ts (NODE_OPTIONS=--import): the server's own event-loop
// delay, apart from what an overloaded machine adds to a probe's round trip. Writes a JSON line to
// $IPFRS_LOOP_LAG_FILE at exit. Inert in any other process.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (process.env.IPFRS_LOOP_LAG_FILE && process.argv.includes('serve')) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  process.once('exit', () => {
    const ms = (ns) => +(ns / 1e6).toFixed(1);
    writeFileSync(process.env.IPFRS_LOOP_LAG_FILE, JSON.stringify({ p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) }));
  });
}
