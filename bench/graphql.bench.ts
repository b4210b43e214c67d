// GraphQL: `tensors(first: 10)` and an inline `slice` on the ipfrs server against graphql-yoga's hello world on
// node:http, both loaded by wrk with the same POST (application/json, which CSRF prevention lets through).
import { guarded, INSTALL_HINT, type BenchContext, type RowHeader } from './lib/context.ts';
import type { HttpFixture } from './lib/fixtures.ts';
import { errorCount, probe, requestScript, runWrk } from './lib/load.ts';
import { startIpfrs, startIpfrsWorkers, startYogaHello, type RunningServer } from './lib/servers.ts';
import { alternate } from './lib/stats.ts';
import { makeRow, skippedRow, type Row } from './lib/table.ts';

const BASELINE = 'graphql-yoga hello world';
const HELLO = '{ hello }';
const TENSORS = '{ tensors(first: 10) { edges { cursor node { id cid name dtype shape byteLength } } } }';
const slice = (cid: string, name: string) =>
  `{ tensor(cid: ${JSON.stringify(cid)}, name: ${JSON.stringify(name)}) { slice(spec: "0:4, :") { __typename ... on InlineSlice { dtype shape byteLength base64 values } } } }`;

const HEADERS: RowHeader[] = [
  { group: 'graphql', name: 'GraphQL tensors(first: 10)', unit: 'req/s', baseline: BASELINE, target: { on: 'ratio', op: '>=', limit: 0.9 } },
  // Section 7 sets no target for slices: informational.
  { group: 'graphql', name: 'GraphQL inline slice (4x64 F32, values + base64)', unit: 'req/s', baseline: BASELINE },
  // With two processes each (ipfrs serve --workers 2; yoga's hello world on node:cluster): informational.
  { group: 'graphql', name: 'GraphQL tensors(first: 10), 2 workers', unit: 'req/s', baseline: `${BASELINE}, 2 workers` },
];

export async function graphqlBench(ctx: BenchContext, fixture: HttpFixture): Promise<Row[]> {
  if (!ctx.tools.wrk) return HEADERS.map((h) => skippedRow(h, `wrk is not installed (${INSTALL_HINT})`));
  return guarded(ctx, HEADERS, async () => {
    if ('error' in fixture.store) throw new Error(fixture.store.error);
    const store = fixture.store;
    const seconds = ctx.quick ? 1 : 4;
    const rounds = ctx.quick ? 3 : 5;
    let ipfrs: RunningServer | undefined;
    let hello: RunningServer | undefined;
    try {
      ipfrs = await startIpfrs(store.dir, ctx.tmpDir, 'ipfrs-graphql', ctx.profileDir);
      hello = await startYogaHello(ctx.tmpDir);
      const load = (server: RunningServer, query: string, errors: string[]) => async () => {
        const result = await runWrk(ctx.tools.wrk!, {
          url: server.url,
          seconds,
          connections: 8,
          script: requestScript({ method: 'POST', path: '/graphql', body: JSON.stringify({ query }), headers: { 'Content-Type': 'application/json' } }),
          tmpDir: ctx.tmpDir,
        });
        if (errorCount(result)) errors.push(`${server.name}: ${errorCount(result)} errors`);
        return result.requestsPerSecond;
      };
      const rows: Row[] = [];
      const queries = [TENSORS, slice(store.small.cid, store.small.tensor)];
      for (const [i, query] of queries.entries()) {
        await expectData(ipfrs.url, query, i === 1 ? /"__typename":"InlineSlice"/ : /"edges":\[\{/);
        await expectData(hello.url, HELLO, /"hello":"world"/);
        const errors: string[] = [];
        // Warm-up (JIT), not recorded: before every query, or (quick) only before the first.
        if (!ctx.quick || i === 0) {
          await load(ipfrs, query, errors)();
          await load(hello, HELLO, errors)();
        }
        errors.length = 0;
        ctx.log(`  ${HEADERS[i]!.name}: ${rounds} rounds of ${seconds} s`);
        const samples = await alternate({ ipfrs: load(ipfrs, query, errors), hello: load(hello, HELLO, errors) }, rounds);
        rows.push(makeRow({ ...HEADERS[i]!, better: 'higher', values: samples.ipfrs, baselineValues: samples.hello, note: errors.join('; ') || undefined }));
      }
      // The one-process servers stop first: the two-worker pair has the cores to itself.
      await Promise.all([ipfrs.stop(), hello.stop()]);
      ipfrs = await startIpfrsWorkers(store.dir, ctx.tmpDir, 2, 'ipfrs-graphql-2w');
      hello = await startYogaHello(ctx.tmpDir, 2);
      await expectData(ipfrs.url, TENSORS, /"edges":\[\{/);
      await expectData(hello.url, HELLO, /"hello":"world"/);
      const errors: string[] = [];
      await load(ipfrs, TENSORS, errors)();
      await load(hello, HELLO, errors)();
      errors.length = 0;
      ctx.log(`  ${HEADERS[2]!.name}: ${rounds} rounds of ${seconds} s`);
      const samples = await alternate({ ipfrs: load(ipfrs, TENSORS, errors), hello: load(hello, HELLO, errors) }, rounds);
      rows.push(makeRow({ ...HEADERS[2]!, better: 'higher', values: samples.ipfrs, baselineValues: samples.hello, note: errors.join('; ') || undefined }));
      return rows;
    } finally {
      await Promise.all([ipfrs?.stop(), hello?.stop()]);
    }
  });
}

/** The query must answer the expected data, without errors, before it is worth timing. */
async function expectData(url: string, query: string, expected: RegExp): Promise<void> {
  const response = await probe(`${url}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = JSON.parse(response.body.toString('utf8')) as { data?: unknown; errors?: unknown };
  const text = JSON.stringify(body);
  if (response.status !== 200 || body.errors || !body.data || !expected.test(text)) {
    throw new Error(`${url} answered ${response.status}: ${text.slice(0, 300)}`);
  }
}
