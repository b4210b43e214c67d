// Where the ipfrs server spends its time under one load step: starts it with `node --cpu-prof`, runs wrk, stops it
// (the profile is written at exit) and prints the hottest functions by self and by inclusive time.
//   node --import tsx bench/profile.ts get|r4k|r1m|graphql [--seconds 10]
//   node --import tsx bench/profile.ts FILE.cpuprofile          (summarise an existing profile)
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchContext } from './lib/context.ts';
import { prepareStore } from './lib/fixtures.ts';
import { rangeScript, requestScript, runWrk } from './lib/load.ts';
import { findTool } from './lib/machine.ts';
import { REPO_ROOT, startIpfrs, stopAll } from './lib/servers.ts';
import { MiB } from './lib/stats.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export function summarise(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = profile.samples.length || 1;
  const label = (n: ProfileNode) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? `${relative(REPO_ROOT, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
    return `${functionName || '(anonymous)'} ${where}`.trim();
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id)!;
    const key = label(node);
    let sum = node.hitCount ?? 0;
    self.set(key, (self.get(key) ?? 0) + sum);
    const stack = new Set(onStack).add(key);
    for (const child of node.children ?? []) sum += walk(child, stack);
    // Recursion would count a frame twice: only its outermost occurrence adds.
    if (!onStack.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + sum);
    return sum;
  };
  walk(profile.nodes[0]!.id, new Set());
  const fmt = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `  ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  return `${total} samples over ${seconds.toFixed(1)} s\n\nself time:\n${fmt(self)}\n\ninclusive time:\n${fmt(inclusive)}`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { seconds: { type: 'string', default: '10' } } });
  const what = positionals[0];
  if (!what) throw new Error('usage: bench/profile.ts get|r4k|r1m|graphql [--seconds N] | FILE.cpuprofile');
  if (what.endsWith('.cpuprofile')) {
    process.stdout.write(`${summarise(JSON.parse(readFileSync(what, 'utf8')) as CpuProfile)}\n`);
    return;
  }
  const wrk = findTool('wrk');
  if (!wrk) throw new Error('wrk is not installed: apt-get install -y wrk');
  const tmpDir = join(REPO_ROOT, 'bench', '.tmp');
  const profileDir = join(tmpDir, 'profiles');
  const ctx: BenchContext = { quick: true, tmpDir, tools: { nginx: null, wrk }, log: (m) => process.stderr.write(`${m}\n`) };
  const fixture = await prepareStore(ctx);
  if ('error' in fixture.store) throw new Error(fixture.store.error);
  const name = `profile-${what}`;
  const server = await startIpfrs(fixture.store.dir, tmpDir, name, profileDir);
  const path = `/v1/blob/${fixture.store.cid}`;
  const scripts: Record<string, { script: string; connections: number }> = {
    get: { script: requestScript({ method: 'GET', path }), connections: 1 },
    r4k: { script: rangeScript({ path, size: fixture.size, chunk: 4096 }), connections: 16 },
    r1m: { script: rangeScript({ path, size: fixture.size, chunk: MiB }), connections: 4 },
    graphql: {
      script: requestScript({
        method: 'POST',
        path: '/graphql',
        body: JSON.stringify({ query: '{ tensors(first: 10) { edges { cursor node { id cid name dtype shape byteLength } } } }' }),
        headers: { 'Content-Type': 'application/json' },
      }),
      connections: 8,
    },
  };
  const step = scripts[what];
  if (!step) throw new Error(`unknown step ${what}`);
  try {
    const result = await runWrk(wrk, { url: server.url, seconds: Number(values.seconds), connections: step.connections, script: step.script, tmpDir });
    process.stdout.write(`${what}: ${result.requestsPerSecond.toFixed(0)} req/s, ${(result.bytesPerSecond / 1e9).toFixed(2)} GB/s\n`);
  } finally {
    await server.stop();
    await stopAll();
  }
  const file = readdirSync(profileDir).filter((f) => f.startsWith(name)).sort().pop();
  if (!file) throw new Error(`no profile written in ${profileDir} (did the server exit cleanly?)`);
  process.stdout.write(`${join(profileDir, file)}\n${summarise(JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile)}\n`);
}

await main();
