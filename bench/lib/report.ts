// Writes what a run measured: bench/results.json (every sample), bench/RESULTS.md, and the README's table
// between its bench markers.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { machineLine, type Machine } from './machine.ts';
import { formatMarkdown, type Row } from './table.ts';

export interface RunReport {
  date: string;
  mode: 'full' | 'quick';
  seconds: number;
  machine: Machine;
  /** 1-minute load average when the run ended (other work on the machine shows here). */
  loadAverageEnd: number;
  rows: Row[];
}

export const README_START = '<!-- bench:start -->';
export const README_END = '<!-- bench:end -->';

/** What each baseline and load step is, so a reader can rerun any row by hand. */
const LEGEND = [
  'Baselines and load:',
  '- mmap: bench/mmap.bench.ts in rounds, alternating with the same JS operations without a mapping (Map.get,',
  '  Buffer.subarray, open + fstat + close); its random reads run against fs.readSync into a reused buffer.',
  '- Index: TensorIndex.listTensors pages of 100 by cursor, three name prefixes, 20 pages each; the baseline is the',
  '  same walk over a 10,000-tensor index (flat paging shows as a ratio near 1).',
  '- Ingest: wall time of TensorStore.add (hash, write, fsync, rename, index) of random bytes in the page cache,',
  '  against `sha256sum` (portable C here) and `openssl dgst -sha256` (SHA-NI) on the same file.',
  '- nginx best: 1 worker, `sendfile off; output_buffers 2 1m;`, access_log off (the fastest nginx config here);',
  '  nginx sendfile: the same with `sendfile on`. Both serve the store\'s object file itself.',
  '- Node createReadStream: `bench/servers/read-stream.ts`, fs.createReadStream piped to the response, single ranges.',
  '- HTTP load: wrk, 1 thread; 256 MiB GET over 1 connection (one stream, GB = 10^9 bytes); random 4 KiB ranges',
  '  over 16 connections and random 1 MiB ranges over 4, 4 KiB-aligned, the same seeded sequence for every server.',
  '- GraphQL: POST application/json over 8 connections; the baseline is graphql-yoga\'s hello world (`{ hello }`).',
  '- gRPC: ReadSlice of the whole 256 MiB tensor, streams one after another read by python3-grpcio (C core), against',
  '  the same server\'s HTTP route for that tensor (wrk, 1 connection) and `bench/servers/grpc-read-stream.ts` (grpc-js,',
  '  fs.createReadStream 1 MiB chunks); GetTensor against GraphQL `tensor(cid, name)`, both by Node clients, 8 in flight.',
  '- Memory: RssAnon of the server process (/proc/PID/status), peak during one GET of a sparse 4 GiB object (1 GiB',
  '  in quick runs) by curl, minus the level after a warm-up request; a fresh server each run.',
  '- Python: bench/python/client_bench.py in Debian\'s python3, one process alternating the `ipfrs` client and plain',
  '  Python on nginx best: get_tensor of a 256 MiB F32 tensor (a fresh Client each time: metadata, links, 4 parallel',
  '  Range GETs) against urllib + np.frombuffer of the same .npy; 4 KiB slices against http.client 4 KiB Range GETs.',
].join('\n');

export function markdownReport(report: RunReport): string {
  const met = report.rows.filter((r) => r.met === true).length;
  const notMet = report.rows.filter((r) => r.met === false).length;
  return [
    `Measured ${report.date.slice(0, 10)} (${report.mode} run, ${Math.round(report.seconds)} s) on ${machineLine(report.machine)}; ${report.loadAverageEnd} at the end.`,
    '',
    'Each row runs ipfrs and its baseline side by side in the same run, alternating (A B A B), and gives the median',
    'of the runs. The ratio is how many times better ipfrs is: throughput ÷ baseline throughput, or baseline time ÷',
    `time. Targets are those of ARCHITECTURE.md section 7; "info" rows have none. Spread is (max - min) / median of`,
    `the runs, ipfrs / baseline. ${met} met, ${notMet} not met.`,
    '',
    formatMarkdown(report.rows),
    '',
    LEGEND,
  ].join('\n');
}

export function writeReports(report: RunReport, paths: { json: string; markdown: string }): void {
  writeFileSync(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(paths.markdown, `# Benchmark results\n\n${markdownReport(report)}\n`);
}

/** Replaces what lies between the markers; false (README untouched) when they are missing. */
export function updateReadme(readmePath: string, report: RunReport): boolean {
  if (!existsSync(readmePath)) return false;
  const text = readFileSync(readmePath, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) return false;
  const updated = `${text.slice(0, start + README_START.length)}\n${markdownReport(report)}\n${text.slice(end)}`;
  writeFileSync(readmePath, updated);
  return true;
}
