// The stress harness of `npm run stress` (bench/stress.ts): 64 clients download whole files, byte ranges (single, suffix, multipart), tensors and numpy
// slices (raw and .npy) through signed links from a live `ipfrs serve`, and check every byte against the source,
// while a churn loop calls clearCache / evictFromCache every 50 ms (GraphQL, admin token) and adds and deletes
// files (multipart upload; one of them deleted while a slow client is still downloading it). Then SIGTERM with
// downloads in flight: they must finish and the process exit 0. tests/e2e/stress.test.ts runs a ~10 s form of it.
//
// RSS method: the server is a child started with --expose-gc (a SIGUSR2 handler runs gc(); see
// src/devkit/gc-on-signal.mjs). The baseline is taken after a warm-up with the same load (so JIT code, heap
// sizing and the SQLite page cache are in it), with the clients stopped, the cache cleared, two full collections
// and a short settle; "after" is taken the same way once the load stops. VmRSS of the two must be within 10%.
// RssFile (mapped object pages) and RssAnon are reported apart: after clearCache + GC every mapping is gone, so
// RssFile falls back too unless a view leaked.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gql, spawnServer, type ServerChild } from '../serve-child.ts';
import { get, type Expectation, type Outcome } from './client.ts';
import { cidOf, dataSet, prng, randomSpec, safetensorsFile, sliceModel, specText, type SourceFile, type SourceTensor } from './data.ts';
import { REPO } from '../paths.ts';

/**
 * Signs download paths for the store at `storeRoot` once the server has made its keys: passed in (src/http/sign.ts
 * over the store's key ring, see bench/stress.ts) so that this kit imports nothing of src/.
 */
export type StressSigner = (storeRoot: string) => (path: string, params: Array<[string, string]>) => string;

export interface StressOptions {
  sign: StressSigner;
  /** The measured load, after the warm-up. */
  durationMs: number;
  clients?: number;
  /** How often the churn loop clears or evicts the cache. */
  churnEveryMs?: number;
  warmupMs?: number;
  seed?: number;
  /** Downloads held in flight when SIGTERM is sent. */
  shutdownDownloads?: number;
  log?: (line: string) => void;
}

interface Memory {
  rss: number;
  anon: number;
  file: number;
  peak: number;
}

export interface StressReport {
  clients: number;
  churnEveryMs: number;
  durationMs: number;
  requests: Record<string, number>;
  totalRequests: number;
  /** GETs retried once after a keep-alive race (ECONNRESET on a reused idle socket, before any response). */
  keepAliveRetries: number;
  bytesVerified: number;
  errors: number;
  wrongBytes: number;
  problems: string[];
  churn: { ticks: number; elapsedMs: number; skippedTicks: number; clearCache: number; evictFromCache: number; added: number; deleted: number; deletedMidDownload: number; goneAfterDelete: number };
  graphqlFailures: number;
  http5xx: number;
  errorLogLines: string[];
  rss: { baseline: Memory; after: Memory; ratio: number };
  shutdown: { downloads: number; completed: number; exitCode: number | null; signal: string | null };
  crashed: string | null;
}

type Op = { kind: string; path: string; headers?: Record<string, string>; expect: Expectation };

export async function runStress(options: StressOptions): Promise<StressReport> {
  const clients = options.clients ?? 64;
  const churnEveryMs = options.churnEveryMs ?? 50;
  const warmupMs = options.warmupMs ?? Math.min(3000, Math.max(1000, options.durationMs / 5));
  const log = options.log ?? (() => {});
  const rand = prng(options.seed ?? 20261125);
  const work = mkdtempSync(join(tmpdir(), 'ipfrs-stress-'));
  const root = join(work, 'store');
  let server: ServerChild | null = null;
  // timeout: lets Node apply the server's `Keep-Alive: timeout=5` hint (it only does when a timeout is set), so an
  // idle socket is dropped here a second before the server would close it.
  const agent = new Agent({ keepAlive: true, maxSockets: clients + 8, timeout: 30_000 });

  const report: StressReport = {
    clients,
    churnEveryMs,
    durationMs: options.durationMs,
    requests: {},
    totalRequests: 0,
    keepAliveRetries: 0,
    bytesVerified: 0,
    errors: 0,
    wrongBytes: 0,
    problems: [],
    churn: { ticks: 0, elapsedMs: 0, skippedTicks: 0, clearCache: 0, evictFromCache: 0, added: 0, deleted: 0, deletedMidDownload: 0, goneAfterDelete: 0 },
    graphqlFailures: 0,
    http5xx: 0,
    errorLogLines: [],
    rss: { baseline: { rss: 0, anon: 0, file: 0, peak: 0 }, after: { rss: 0, anon: 0, file: 0, peak: 0 }, ratio: 0 },
    shutdown: { downloads: 0, completed: 0, exitCode: null, signal: null },
    crashed: null,
  };
  const problem = (text: string) => {
    report.errors++;
    if (report.problems.length < 20) report.problems.push(text);
  };
  const record = (kind: string, outcome: Outcome) => {
    report.requests[kind] = (report.requests[kind] ?? 0) + 1;
    if (outcome.retried) report.keepAliveRetries++;
    report.totalRequests++;
    if (outcome.ok) report.bytesVerified += outcome.verified;
    else {
      if (outcome.wrongBytes) report.wrongBytes++;
      problem(`${kind}: ${outcome.problem}`);
    }
  };

  try {
    // ---- the data set, added with the CLI (what an operator does), CIDs checked against our own hashing
    const files = dataSet(options.seed ?? 20261125);
    for (const file of files) writeFileSync(join(work, file.fileName), file.bytes);
    const added = execFileSync(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli.ts'), 'add', ...files.map((f) => join(work, f.fileName)), '--store', root, '--json'], { cwd: REPO })
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { cid: string; path: string });
    for (const file of files) {
      file.cid = added.find((a) => a.path.endsWith(`/${file.fileName}`))!.cid;
      if (file.cid !== cidOf(file.bytes)) throw new Error(`ipfrs add gave ${file.cid} for ${file.fileName}, expected ${cidOf(file.bytes)}`);
    }

    server = await spawnServer(root, ['--cache-entries', '4', '--log-level', 'warn']);
    const live = server;
    const origin = new URL(live.url);
    const admin = { authorization: `Bearer ${live.adminToken}` };
    const signer = options.sign(root);
    const signed = (path: string, params: Array<[string, string]> = []) => signer(path, params);
    log(`server ${live.url} (pid ${live.pid}); ${files.length} files, ${files.reduce((a, f) => a + f.bytes.length, 0)} bytes`);

    const nextOp = makeOps(files, signed, rand);
    let running = false;
    const runClient = async () => {
      while (running && live.alive()) {
        const op = nextOp();
        record(op.kind, await get({ agent, origin, path: op.path, headers: op.headers }, op.expect));
      }
    };

    // ---- churn: the cache cleared or one file evicted every churnEveryMs; a file added and deleted every 4 ticks
    let churning = false;
    let churnFiles = 0;
    const graphql = async (query: string, variables: Record<string, unknown>, check: (data: Record<string, any>) => boolean) => {
      try {
        const answer = await gql(live.url, query, variables, admin);
        if (answer.status !== 200 || answer.body.errors || !answer.body.data || !check(answer.body.data)) {
          report.graphqlFailures++;
          problem(`graphql ${query.slice(0, 40)}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
          return null;
        }
        return answer.body.data;
      } catch (error) {
        report.graphqlFailures++;
        problem(`graphql ${query.slice(0, 40)}: ${(error as Error).message}`);
        return null;
      }
    };
    const churnOnce = async (seed: number) => {
      const file = safetensorsFile(`churn-${seed}.safetensors`, [{ name: 'w', dtype: 'F32', shape: [64 + (seed % 64), 256] }], prng(seed));
      file.cid = cidOf(file.bytes);
      const form = new FormData();
      form.append('operations', JSON.stringify({ query: 'mutation($f: File!) { addTensorFile(file: $f) { __typename ... on TensorFile { cid size } ... on Error { message } } }', variables: { f: null } }));
      form.append('map', JSON.stringify({ 0: ['variables.f'] }));
      form.append('0', new Blob([new Uint8Array(file.bytes)]), file.fileName);
      try {
        const response = await fetch(`${live.url}/graphql`, { method: 'POST', headers: { ...admin, 'x-graphql-yoga-csrf': '1' }, body: form });
        const body = (await response.json()) as { data?: { addTensorFile?: { cid?: string; size?: number } } };
        if (body.data?.addTensorFile?.cid !== file.cid || body.data.addTensorFile.size !== file.bytes.length) {
          report.graphqlFailures++;
          return problem(`addTensorFile: ${JSON.stringify(body).slice(0, 300)}`);
        }
      } catch (error) {
        report.graphqlFailures++;
        return problem(`addTensorFile: ${(error as Error).message}`);
      }
      report.churn.added++;
      const path = signed(`/v1/blob/${file.cid}`);
      record('churn-blob', await get({ agent, origin, path }, { status: 200, body: file.bytes }));
      // Deleted while a slow client is still reading it: that download must still finish intact.
      const slow = await get(
        {
          agent,
          origin,
          path,
          stallMs: 100,
          onResponse: async () => {
            const data = await graphql('mutation($c: CID!) { deleteTensorFile(cid: $c) { __typename ... on DeleteTensorFilePayload { deleted } } }', { c: file.cid }, (d) => d.deleteTensorFile?.deleted === true);
            if (data) report.churn.deleted++;
          },
        },
        { status: 200, body: file.bytes },
      );
      record('churn-deleted-mid-download', slow);
      if (slow.ok) report.churn.deletedMidDownload++;
      const gone = await get({ agent, origin, path }, { status: 404 });
      record('churn-gone', gone);
      if (gone.ok) report.churn.goneAfterDelete++;
    };
    // Cache churn on its own thread (churn-worker.mjs) so it keeps its 50 ms beat; files are added
    // and deleted from here, two at a time at most, one every 200 ms.
    const cacheChurn = () => {
      const worker = new Worker(new URL('./churn-worker.mjs', import.meta.url), {
        workerData: { url: live.url, token: live.adminToken, cids: files.map((f) => f.cid), everyMs: churnEveryMs },
      });
      const result = new Promise<ChurnStats>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      return {
        async stop() {
          worker.postMessage('stop');
          const stats = await result;
          await worker.terminate();
          report.churn.ticks += stats.ticks;
          report.churn.skippedTicks += stats.skippedTicks;
          report.churn.clearCache += stats.clearCache;
          report.churn.evictFromCache += stats.evictFromCache;
          report.churn.elapsedMs += stats.elapsedMs;
          report.graphqlFailures += stats.failures;
          for (const p of stats.problems) problem(`cache churn: ${p}`);
        },
      };
    };
    const fileChurnLoop = async () => {
      const pending = new Set<Promise<void>>();
      while (churning && live.alive()) {
        if (pending.size < 2) {
          const p = churnOnce(1000 + churnFiles++).finally(() => pending.delete(p));
          pending.add(p);
        }
        await new Promise((r) => setTimeout(r, 4 * churnEveryMs));
      }
      await Promise.all(pending);
    };

    const phase = async (ms: number) => {
      running = true;
      churning = true;
      const churn = cacheChurn();
      const loops = [...Array.from({ length: clients }, runClient), fileChurnLoop()];
      await new Promise((r) => setTimeout(r, ms));
      running = false;
      churning = false;
      await Promise.all([...loops, churn.stop()]);
    };
    const settle = async (): Promise<Memory> => {
      await graphql('mutation { clearCache { __typename } }', {}, () => true);
      agent.destroy();
      await new Promise((r) => setTimeout(r, 200));
      await live.gc();
      await new Promise((r) => setTimeout(r, 300));
      await live.gc();
      return live.memory();
    };

    log(`warm-up ${warmupMs} ms`);
    await phase(warmupMs);
    report.rss.baseline = await settle();
    log(`baseline RSS ${mib(report.rss.baseline.rss)} (anon ${mib(report.rss.baseline.anon)}, file ${mib(report.rss.baseline.file)}); load ${options.durationMs} ms with ${clients} clients`);
    await phase(options.durationMs);
    if (!live.alive()) throw new Error('the server died under load');
    report.rss.after = await settle();
    report.rss.ratio = report.rss.after.rss / report.rss.baseline.rss;
    log(`after RSS ${mib(report.rss.after.rss)} (anon ${mib(report.rss.after.anon)}, file ${mib(report.rss.after.file)}), peak ${mib(report.rss.after.peak)}: ${report.rss.ratio.toFixed(3)}x`);

    // ---- responses by status, from the server's own metrics
    const metrics = await (await fetch(`${live.url}/metrics`)).text();
    for (const match of metrics.matchAll(/^ipfrs_http_responses_total\{[^}]*status="(\d+)"[^}]*\} (\d+)/gm)) {
      if (Number(match[1]) >= 500) report.http5xx += Number(match[2]);
    }

    // ---- SIGTERM with downloads in flight: they finish, the process exits 0
    const big = files.reduce((a, f) => (f.bytes.length > a.bytes.length ? f : a));
    const count = options.shutdownDownloads ?? 16;
    // The clients stop reading once their headers are in and start again only after SIGTERM: the server then has
    // the tails of 16 bodies queued behind full socket buffers when it is told to stop (what cut them short before
    // server.ts stopped Node's closeIdleConnections from destroying sockets with queued data).
    let started = 0;
    let allStarted!: () => void;
    const headersIn = new Promise<void>((r) => (allStarted = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const shutdownAgent = new Agent({ keepAlive: false, maxSockets: count });
    const inFlight = Array.from({ length: count }, (_, i) => {
      const whole = i % 2 === 0;
      const range = { start: i * 1000, end: big.bytes.length - i };
      return get(
        {
          agent: shutdownAgent,
          origin,
          path: signed(`/v1/blob/${big.cid}`),
          headers: whole ? {} : { range: `bytes=${range.start}-${range.end - 1}` },
          onResponse: async () => {
            if (++started === count) allStarted();
            await released;
          },
        },
        whole ? { status: 200, body: big.bytes } : { status: 206, body: big.bytes.subarray(range.start, range.end) },
      );
    });
    await headersIn;
    live.child.kill('SIGTERM');
    setTimeout(release, 800);
    const results = await Promise.all(inFlight);
    report.shutdown.downloads = count;
    report.shutdown.completed = results.filter((r) => r.ok).length;
    for (const r of results) record('in-flight-at-sigterm', r);
    const exit = await live.exited;
    report.shutdown.exitCode = exit.code;
    report.shutdown.signal = exit.signal;
    report.errorLogLines = live
      .stderr()
      .split('\n')
      .filter((line) => line.includes('"level":"error"'))
      .slice(0, 20);
    return report;
  } catch (error) {
    report.crashed = `${(error as Error).message}${server && !server.alive() ? ` (server exit: ${JSON.stringify(await server.exited)})` : ''}`;
    return report;
  } finally {
    agent.destroy();
    if (server?.alive()) await server.stop('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

/** Random operations over the data set, each with the exact answer expected. */
function makeOps(files: SourceFile[], signed: (path: string, params?: Array<[string, string]>) => string, rand: () => number): () => Op {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const tensors: Array<{ file: SourceFile; tensor: SourceTensor }> = files.flatMap((file) => file.tensors.map((tensor) => ({ file, tensor })));
  const sliceable = tensors.filter(({ tensor }) => tensor.data.length <= 2 << 20);
  const tensorPath = (file: SourceFile, tensor: SourceTensor) => `/v1/tensor/${file.cid}/${tensor.name.split('/').map(encodeURIComponent).join('/')}`;
  const cr = (start: number, end: number, length: number) => `bytes ${start}-${end - 1}/${length}`;
  const randomRange = (length: number) => {
    const start = Math.floor(rand() * length);
    const end = Math.min(length, start + 1 + Math.floor(rand() * (rand() < 0.8 ? 65536 : length)));
    return { start, end };
  };

  return () => {
    const r = rand();
    const file = pick(files);
    if (r < 0.12) return { kind: 'blob', path: signed(`/v1/blob/${file.cid}`), expect: { status: 200, body: file.bytes } };
    if (r < 0.37) {
      const { start, end } = randomRange(file.bytes.length);
      return {
        kind: 'range',
        path: signed(`/v1/blob/${file.cid}`),
        headers: { range: `bytes=${start}-${end - 1}` },
        expect: { status: 206, body: file.bytes.subarray(start, end), headers: { 'content-range': cr(start, end, file.bytes.length) } },
      };
    }
    if (r < 0.42) {
      const n = 1 + Math.floor(rand() * 100_000);
      const start = Math.max(0, file.bytes.length - n);
      return { kind: 'suffix-range', path: signed(`/v1/blob/${file.cid}`), headers: { range: `bytes=-${n}` }, expect: { status: 206, body: file.bytes.subarray(start) } };
    }
    if (r < 0.5) {
      // Two or three disjoint ranges, small enough not to add up to the whole file: multipart/byteranges.
      const length = file.bytes.length;
      const cuts = Array.from({ length: 2 + Math.floor(rand() * 2) }, () => Math.floor(rand() * (length - 5000))).sort((a, b) => a - b);
      const ranges = cuts.map((start) => ({ start, end: start + 1 + Math.floor(rand() * 2000) }));
      return {
        kind: 'multirange',
        path: signed(`/v1/blob/${file.cid}`),
        headers: { range: `bytes=${ranges.map((x) => `${x.start}-${x.end - 1}`).join(',')}` },
        expect: { status: 206, parts: ranges.map((x) => ({ range: cr(x.start, x.end, length), bytes: file.bytes.subarray(x.start, x.end) })) },
      };
    }
    // Slices only of tensors up to 2 MiB: the model copies element by element, and must not stall the clients.
    const { file: owner, tensor } = r < 0.58 ? pick(tensors) : pick(sliceable);
    if (r < 0.58) return { kind: 'tensor', path: signed(tensorPath(owner, tensor)), expect: { status: 200, body: tensor.data } };
    let axes = randomSpec(tensor.shape, rand);
    let model = sliceModel(tensor, axes);
    while (model === null) {
      axes = randomSpec(tensor.shape, rand);
      model = sliceModel(tensor, axes);
    }
    const spec = specText(axes);
    if (r < 0.74) return { kind: 'slice-raw', path: signed(tensorPath(owner, tensor), [['slice', spec]]), expect: { status: 200, body: model.bytes } };
    if (r < 0.84 && model.bytes.length > 1) {
      // A slice is its own representation: ranges count within its bytes.
      const start = Math.floor(rand() * (model.bytes.length - 1));
      const end = start + 1 + Math.floor(rand() * (model.bytes.length - start - 1));
      return {
        kind: 'slice-range',
        path: signed(tensorPath(owner, tensor), [['slice', spec]]),
        headers: { range: `bytes=${start}-${end - 1}` },
        expect: { status: 206, body: model.bytes.subarray(start, end), headers: { 'content-range': cr(start, end, model.bytes.length) } },
      };
    }
    const npyPath = signed(tensorPath(owner, tensor), [['slice', spec], ['format', 'npy']]);
    return { kind: 'slice-npy', path: npyPath, expect: npyExpectation(tensor, model) };
  };
}

/** An .npy answer: numpy's header for the slice's shape and the tensor's byte order, then the slice's bytes. */
function npyExpectation(tensor: SourceTensor, model: { shape: number[]; bytes: Buffer }): Expectation {
  const descr = tensor.descr ?? { F32: '<f4', F16: '<f2', I32: '<i4', U8: '|u1', F64: '<f8' }[tensor.dtype]!;
  return { status: 200, npy: { shape: model.shape, descr, data: model.bytes } };
}

function churnLabel(report: StressReport): string {
  const mean = report.churn.ticks ? report.churn.elapsedMs / report.churn.ticks : 0;
  return `${report.churnEveryMs} ms (mean ${mean.toFixed(1)} ms)`;
}

interface ChurnStats {
  ticks: number;
  skippedTicks: number;
  clearCache: number;
  evictFromCache: number;
  failures: number;
  problems: string[];
  elapsedMs: number;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Prints the report as the closing note wants it: requests and bytes verified, errors, churn, RSS, shutdown. */
export function summarise(report: StressReport): string {
  const lines = [
    `clients ${report.clients}, load ${report.durationMs / 1000} s (plus warm-up)`,
    `requests ${report.totalRequests} (${Object.entries(report.requests)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), keep-alive races retried ${report.keepAliveRetries}`,
    `bytes verified ${report.bytesVerified} (${(report.bytesVerified / 2 ** 30).toFixed(2)} GiB)`,
    `errors ${report.errors}, wrong bytes ${report.wrongBytes}, GraphQL failures ${report.graphqlFailures}, HTTP 5xx ${report.http5xx}, error log lines ${report.errorLogLines.length}`,
    `churn: ${report.churn.ticks} ticks of ${churnLabel(report)} (${report.churn.skippedTicks} skipped), clearCache ${report.churn.clearCache}, evictFromCache ${report.churn.evictFromCache}, added ${report.churn.added}, deleted ${report.churn.deleted} (${report.churn.deletedMidDownload} while downloading, ${report.churn.goneAfterDelete} then 404)`,
    `RSS baseline ${mib(report.rss.baseline.rss)} (anon ${mib(report.rss.baseline.anon)}, file ${mib(report.rss.baseline.file)}), after ${mib(report.rss.after.rss)} (anon ${mib(report.rss.after.anon)}, file ${mib(report.rss.after.file)}), peak ${mib(report.rss.after.peak)}: ${report.rss.ratio.toFixed(3)}x`,
    `SIGTERM with ${report.shutdown.downloads} downloads in flight: ${report.shutdown.completed} completed intact, exit code ${report.shutdown.exitCode}${report.shutdown.signal ? ` signal ${report.shutdown.signal}` : ''}`,
  ];
  if (report.crashed) lines.push(`CRASHED: ${report.crashed}`);
  for (const p of report.problems) lines.push(`  problem: ${p}`);
  for (const l of report.errorLogLines) lines.push(`  error log: ${l.slice(0, 300)}`);
  return lines.join('\n');
}

/** Did the run meet the bar: 0 errors, 0 wrong bytes, no crash, RSS within 10%, a clean exit after SIGTERM. */
export function failures(report: StressReport): string[] {
  const out: string[] = [];
  if (report.crashed) out.push(`crashed: ${report.crashed}`);
  if (report.errors) out.push(`${report.errors} errors`);
  if (report.wrongBytes) out.push(`${report.wrongBytes} responses with wrong bytes`);
  if (report.http5xx) out.push(`${report.http5xx} HTTP 5xx responses`);
  if (report.errorLogLines.length) out.push(`${report.errorLogLines.length} error lines in the server log`);
  if (!(report.rss.ratio > 0 && report.rss.ratio <= 1.1)) out.push(`RSS after/baseline ${report.rss.ratio.toFixed(3)} (limit 1.10)`);
  if (report.shutdown.exitCode !== 0) out.push(`exit code after SIGTERM ${report.shutdown.exitCode} (${report.shutdown.signal})`);
  if (report.shutdown.completed !== report.shutdown.downloads) out.push(`${report.shutdown.downloads - report.shutdown.completed} downloads cut by SIGTERM`);
  if (report.churn.added === 0 || report.churn.clearCache === 0 || report.churn.evictFromCache === 0) out.push('the churn loop did not run');
  return out;
}
