// `npm run bench [-- --quick] [--only http,graphql] [--keep] [--profile]`: runs every benchmark side by side with
// its baseline and prints the table. A full run of everything writes bench/results.json, bench/RESULTS.md and the
// README's table; quick or partial runs write bench/.tmp/results.json and RESULTS.md. Never part of `npm test`.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { cliBench } from './cli.bench.ts';
import { accessBench } from './access.bench.ts';
import { graphqlBench } from './graphql.bench.ts';
import { grpcBench } from './grpc.bench.ts';
import { httpBench } from './http.bench.ts';
import { indexBench } from './index.bench.ts';
import { ingestBench } from './ingest.bench.ts';
import { ipfsBench } from './ipfs.bench.ts';
import { memoryBench } from './memory.bench.ts';
import { pythonBench } from './python.bench.ts';
import { formatsBench } from './formats.bench.ts';
import { mmapRows } from './lib/mmap-rows.ts';
import { INSTALL_HINT, type BenchContext } from './lib/context.ts';
import { prepareStore, type HttpFixture } from './lib/fixtures.ts';
import { describeMachine, findTool, machineLine } from './lib/machine.ts';
import { updateReadme, writeReports, type RunReport } from './lib/report.ts';
import { REPO_ROOT, stopAll } from './lib/servers.ts';
import { formatText, type Row } from './lib/table.ts';

const GROUPS = ['mmap', 'index', 'ingest', 'http', 'graphql', 'grpc', 'memory', 'python', 'formats', 'ipfs', 'access', 'cli'] as const;
type Group = (typeof GROUPS)[number];

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'no-readme': { type: 'boolean', default: false },
    readme: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  process.stdout.write(
    [
      'usage: npm run bench [-- --quick] [--only GROUP,...] [--keep] [--no-readme | --readme]',
      `groups: ${GROUPS.join(', ')}`,
      '--quick      shorter steps and smaller inputs (under 2 minutes)',
      '--keep       keep bench/.tmp fixtures for the next run',
      '--profile    the ipfrs servers write CPU profiles to bench/.tmp/profiles (summarise: bench/profile.ts)',
      '--no-readme  a full run of every group writes bench/results.json, bench/RESULTS.md and the README table;',
      '             other runs (and this flag) write bench/.tmp/results.json and RESULTS.md instead',
      '--readme     write the committed results and the README table even for a quick or partial run',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const only = flags.only ? (flags.only.split(',').map((g) => g.trim()) as Group[]) : [...GROUPS];
for (const g of only) if (!GROUPS.includes(g)) throw new Error(`unknown group ${g}; groups: ${GROUPS.join(', ')}`);

const tmpDir = join(REPO_ROOT, 'bench', '.tmp');
mkdirSync(tmpDir, { recursive: true });
const tools = { nginx: findTool('nginx'), wrk: findTool('wrk') };
const ctx: BenchContext = {
  quick: flags.quick,
  tmpDir,
  tools,
  log: (message) => process.stderr.write(`${message}\n`),
  ...(flags.profile ? { profileDir: join(tmpDir, 'profiles') } : {}),
};

async function cleanupAndExit(signal: string): Promise<never> {
  ctx.log(`\n${signal}: stopping servers`);
  await stopAll();
  process.exit(130);
}
process.once('SIGINT', () => void cleanupAndExit('SIGINT'));
process.once('SIGTERM', () => void cleanupAndExit('SIGTERM'));
// Every step has its own bound; this one catches what slips through (a hung store call), at twice the budget.
const watchdog = setTimeout(() => void cleanupAndExit(`over ${ctx.quick ? 4 : 30} minutes`), (ctx.quick ? 4 : 30) * 60_000);
watchdog.unref();

async function main(): Promise<void> {
  const started = Date.now();
  const machine = describeMachine(tools);
  ctx.log(`ipfrs bench (${ctx.quick ? 'quick' : 'full'}) on ${machineLine(machine)}`);
  if (!tools.nginx || !tools.wrk) {
    ctx.log(`missing ${[!tools.nginx && 'nginx', !tools.wrk && 'wrk'].filter(Boolean).join(' and ')}: ${INSTALL_HINT}; their rows are skipped`);
  }
  const rows: Row[] = [];
  let fixture: HttpFixture | null = null;
  const shared = async () => (fixture ??= await prepareStore(ctx));
  try {
    for (const group of only) {
      const t0 = Date.now();
      ctx.log(`[${group}]`);
      if (group === 'mmap') rows.push(...(await mmapRows(ctx)));
      if (group === 'index') rows.push(...(await indexBench(ctx)));
      if (group === 'ingest') rows.push(...(await ingestBench(ctx)));
      if (group === 'http') rows.push(...(await httpBench(ctx, await shared())));
      if (group === 'graphql') rows.push(...(await graphqlBench(ctx, await shared())));
      if (group === 'grpc') rows.push(...(await grpcBench(ctx, await shared())));
      if (group === 'memory') rows.push(...(await memoryBench(ctx)));
      if (group === 'python') rows.push(...(await pythonBench(ctx)));
      if (group === 'formats') rows.push(...(await formatsBench(ctx)));
      if (group === 'ipfs') rows.push(...(await ipfsBench(ctx, await shared())));
      if (group === 'access') rows.push(...(await accessBench(ctx)));
      if (group === 'cli') rows.push(...(await cliBench(ctx)));
      ctx.log(`  ${group} took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await stopAll();
    if (!flags.keep) removeFixtures(tmpDir);
  }

  const report: RunReport = {
    date: new Date().toISOString(),
    mode: ctx.quick ? 'quick' : 'full',
    seconds: (Date.now() - started) / 1000,
    machine,
    loadAverageEnd: Math.round(loadavg()[0]! * 100) / 100,
    rows,
  };
  process.stdout.write(`\n${formatText(rows)}\n\n`);
  // bench/results.json, bench/RESULTS.md and the README hold the latest full run of everything, so they always
  // agree; quick or partial runs write to bench/.tmp unless --readme asks for the committed files too.
  const official = flags.readme || (!flags['no-readme'] && !ctx.quick && only.length === GROUPS.length);
  const outDir = official ? join(REPO_ROOT, 'bench') : tmpDir;
  writeReports(report, { json: join(outDir, 'results.json'), markdown: join(outDir, 'RESULTS.md') });
  if (official) {
    const updated = updateReadme(join(REPO_ROOT, 'README.md'), report);
    ctx.log(updated ? 'README.md: table updated' : 'README.md: no bench markers found, not updated');
  }
  ctx.log(`wrote ${relative(REPO_ROOT, join(outDir, 'results.json'))} and RESULTS.md beside it in ${report.seconds.toFixed(0)} s`);
}

/** Big inputs go; server logs, profiles and partial results stay (small, and what one reads after a run). */
const KEEP = new Set(['logs', 'profiles', 'results.json', 'RESULTS.md']);
function removeFixtures(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (!KEEP.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

await main();
