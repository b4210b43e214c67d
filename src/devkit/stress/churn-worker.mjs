// The cache churn of the stress run, on its own thread: every `everyMs` it starts a clearCache or an
// evictFromCache (alternately) over GraphQL with the admin token, without waiting for the previous answer. On
// the clients' thread the 50 ms beat slipped to ~150 ms (64 clients comparing bytes keep that event loop busy);
// here it keeps time. Plain JavaScript so it loads without a TypeScript loader. At most 64 calls are outstanding:
// past that a tick is counted as skipped, so a stalled server shows in the report instead of piling up.
import { parentPort, workerData } from 'node:worker_threads';

const { url, token, cids, everyMs } = workerData;
const stats = { ticks: 0, skippedTicks: 0, clearCache: 0, evictFromCache: 0, failures: 0, problems: [], elapsedMs: 0 };
let running = true;
const outstanding = new Set();

parentPort.on('message', (message) => {
  if (message === 'stop') running = false;
});

async function call(query, variables, check) {
  try {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (response.status === 200 && !body.errors && body.data && check(body.data)) return true;
    stats.failures++;
    if (stats.problems.length < 5) stats.problems.push(`${response.status} ${JSON.stringify(body).slice(0, 200)}`);
  } catch (error) {
    stats.failures++;
    if (stats.problems.length < 5) stats.problems.push(String(error?.message ?? error));
  }
  return false;
}

const start = performance.now();
while (running) {
  const tickStart = performance.now();
  stats.ticks++;
  if (outstanding.size >= 64) stats.skippedTicks++;
  else {
    const tick = stats.ticks;
    const p =
      tick % 2 === 0
        ? call('mutation { clearCache { __typename ... on CacheStats { entries } } }', {}, (d) => d.clearCache?.__typename === 'CacheStats').then((ok) => ok && stats.clearCache++)
        : call('mutation($c: CID!) { evictFromCache(cid: $c) { __typename } }', { c: cids[tick % cids.length] }, (d) => d.evictFromCache?.__typename === 'EvictFromCachePayload').then(
            (ok) => ok && stats.evictFromCache++,
          );
    const tracked = p.finally(() => outstanding.delete(tracked));
    outstanding.add(tracked);
  }
  await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - tickStart))));
}
await Promise.all(outstanding);
stats.elapsedMs = performance.now() - start;
parentPort.postMessage(stats);
