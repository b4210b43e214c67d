// Issue 13 acceptance: 8 concurrent 100 MiB GraphQL multipart uploads with a write token (the admin token) all
// succeed while /healthz answers within 1 s throughout. Run: node --import tsx bench/hostile/uploads.ts
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIpfrs } from '../lib/servers.ts';
import { probeHealth, rssAnonMiB, upload } from './lib.ts';

const COUNT = Number(process.argv[2] ?? 8);
const SIZE = Number(process.argv[3] ?? 100) << 20;
const dir = mkdtempSync(join(tmpdir(), 'ipfrs-uploads-'));
const server = await startIpfrs(join(dir, 'store'), dir, 'ipfrs-uploads');
try {
  const token = readFileSync(join(dir, 'store', 'admin-token'), 'utf8').trim();
  const before = rssAnonMiB(server.pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssAnonMiB(server.pid))), 100);
  // Polled from another process, for longer than the uploads take (checked below).
  const PROBE_SECONDS = Number(process.argv[4] ?? 20);
  const health = probeHealth(server.url, PROBE_SECONDS, 100);
  const t = performance.now();
  const results = await Promise.all(Array.from({ length: COUNT }, (_, i) => upload(server.url, token, SIZE, i + 1)));
  const seconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  const h = await health;
  if (seconds > PROBE_SECONDS) console.log(`the uploads outlasted the probe (${PROBE_SECONDS} s): run again with a longer one`);
  const ok = results.filter((r) => r.status === 200 && JSON.parse(r.body).data?.addTensorFile?.size === SIZE).length;
  for (const r of results) if (r.status !== 200 || !r.body.includes('"TensorFile"')) console.log('failed:', r.status, r.body.slice(0, 300));
  console.log(JSON.stringify({ uploads: COUNT, mib: SIZE >> 20, succeeded: ok, seconds: +seconds.toFixed(1), healthz: h, rssAnonMiB: { before: +before.toFixed(0), peak: +peak.toFixed(0) } }));
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
