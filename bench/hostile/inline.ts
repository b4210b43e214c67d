// Issue 13 acceptance: 24 concurrent anonymous clients asking, again and again for 15 s, for the largest inline
// answer one request's budget allows (2 MiB base64 + 43,690 U8 values = 4,194,284 of 4,194,304 work bytes), while
// /healthz is polled (p99, max) and a 256 MiB download runs (its throughput and longest stall between chunks).
// Run: node --import tsx bench/hostile/inline.ts [clients] [seconds]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { encodeSafetensors } from '../../src/tensor/safetensors-encode.ts';
import { startIpfrs } from '../lib/servers.ts';
import { probeHealth, rssAnonMiB } from './lib.ts';

const CLIENTS = Number(process.argv[2] ?? 24);
const SECONDS = Number(process.argv[3] ?? 15);
const MiB = 1 << 20;
const dir = mkdtempSync(join(tmpdir(), 'ipfrs-inline-'));
const root = join(dir, 'store');
const store = TensorStore.open(root);
const model = join(dir, 'model.safetensors');
writeFileSync(model, encodeSafetensors([{ name: 'u8', dtype: 'U8', shape: [4 * MiB], data: Buffer.alloc(4 * MiB, 7) }]));
const { file } = await store.add(model);
const big = join(dir, 'big.bin');
writeFileSync(big, Buffer.alloc(256 * MiB, 1));
const blob = (await store.add(big, { dtype: 'U8', shape: [256 * MiB] })).file;
store.close();

// The server's own event-loop delay (loop-lag.mjs, preloaded into it alone), beside the probe's round trips.
const lagFile = join(dir, 'loop-lag.json');
process.env.IPFRS_LOOP_LAG_FILE = lagFile;
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${new URL('./loop-lag.mjs', import.meta.url).href}`.trim();
const server = await startIpfrs(root, dir, 'ipfrs-inline', process.env.PROFILE_DIR);
const sliceOf = (alias: string, spec: string, field: string) =>
  `${alias}: tensor(cid: "${file.cid}", name: "u8") { slice(spec: "${spec}", inlineLimit: ${4 * MiB}) { __typename ... on InlineSlice { ${field} } } }`;
// QUERY=trivial|base64|values narrows the load, for comparison; the default is both answers in one request.
const variant = process.env.QUERY ?? 'both';
const query =
  variant === 'trivial' ? '{ cacheStats { hits } }'
  : variant === 'base64' ? `{ ${sliceOf('a', `0:${3 * MiB}`, 'base64')} }`
  : variant === 'values' ? `{ ${sliceOf('b', '0:131072', 'values')} }`
  : `{ ${sliceOf('a', `0:${2 * MiB}`, 'base64')} ${sliceOf('b', '0:43690', 'values')} }`;
try {
  const counts = { inline: 0, tooLarge: 0, other: 0 };
  let peak = rssAnonMiB(server.pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssAnonMiB(server.pid))), 100);
  const health = probeHealth(server.url, SECONDS, 50);
  const end = Date.now() + SECONDS * 1000;
  // A download flowing meanwhile, read slowly enough to last: bytes per second and the longest gap between chunks.
  const download = (async () => {
    let bytes = 0;
    let gap = 0;
    let last = performance.now();
    const t = last;
    while (Date.now() < end) {
      const response = await fetch(`${server.url}/v1/blob/${blob.cid}`);
      for await (const chunk of response.body!) {
        const now = performance.now();
        gap = Math.max(gap, now - last);
        last = now;
        bytes += (chunk as Uint8Array).byteLength;
        if (Date.now() >= end) break;
      }
    }
    return { mib: Math.round(bytes / MiB), mibPerSecond: +(bytes / MiB / ((performance.now() - t) / 1000)).toFixed(0), longestGapMs: +gap.toFixed(0) };
  })();
  const client = async () => {
    while (Date.now() < end) {
      const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      if (response.status >= 500) counts.other++;
      const body = await response.json();
      for (const alias of ['a', 'b']) {
        const kind = body.data?.[alias]?.slice?.__typename;
        if (kind === 'InlineSlice') counts.inline++;
        else if (kind === 'TooLargeError') counts.tooLarge++;
        else counts.other++;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const flow = await download;
  clearInterval(sampler);
  const h = await health;
  console.log(JSON.stringify({ clients: CLIENTS, seconds: SECONDS, query: variant, answers: counts, healthz: h, download: flow, rssAnonPeakMiB: Math.round(peak) }));
} finally {
  await server.stop();
  try {
    console.log(JSON.stringify({ serverEventLoopDelayMs: JSON.parse(readFileSync(lagFile, 'utf8')) }));
  } catch {
    console.log('no event-loop figures from the server');
  }
  rmSync(dir, { recursive: true, force: true });
}
