// A /healthz poller in a process of its own, so the load generator's own work (parsing megabytes of JSON) never
// counts as the server's latency. Usage: node health-probe.mjs URL SECONDS [EVERY_MS]; prints one JSON line.
const [url, seconds, every = '50'] = process.argv.slice(2);
const end = Date.now() + Number(seconds) * 1000;
const samples = [];
let failures = 0;
while (Date.now() < end) {
  const t = performance.now();
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) });
    await response.text();
    if (response.status !== 200) failures++;
  } catch {
    failures++;
  }
  samples.push(performance.now() - t);
  await new Promise((r) => setTimeout(r, Number(every)));
}
samples.sort((a, b) => a - b);
const at = (q) => +(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN).toFixed(1);
console.log(JSON.stringify({ count: samples.length, failures, p50: at(0.5), p99: at(0.99), max: at(1) }));
