// gRPC: ReadSlice of the whole 256 MiB tensor from `ipfrs serve --grpc-port` against the same server's HTTP
// route for that tensor (wrk, one connection, as the http rows) and against a plain grpc-js server streaming the
// file with fs.createReadStream (bench/servers/grpc-read-stream.ts); and GetTensor calls per second against
// GraphQL `tensor(cid, name)` over the same store, both loaded from this process by Node clients (grpc-js and
// fetch) with 8 calls in flight, so both sides pay a JS client. Rounds alternate (A B C A B C).
import { guarded, type BenchContext, type RowHeader } from './lib/context.ts';
import type { HttpFixture } from './lib/fixtures.ts';
import { callLoad, pythonReader, readSliceLoad, tensorClient } from './lib/grpc-load.ts';
import { errorCount, requestScript, runWrk } from './lib/load.ts';
import { freePort } from '../src/devkit/ports.ts';
import { startGrpcReadStream, startIpfrs, type RunningServer } from './lib/servers.ts';
import { alternate } from './lib/stats.ts';
import { makeRow, skippedRow, type Row } from './lib/table.ts';

const HEADERS: RowHeader[] = [
  { group: 'grpc', name: 'gRPC ReadSlice 256 MiB vs HTTP route', unit: 'GB/s', baseline: 'HTTP /v1/tensor (wrk)', target: { on: 'ratio', op: '>=', limit: 0.5 } },
  { group: 'grpc', name: 'gRPC ReadSlice 256 MiB vs plain grpc-js', unit: 'GB/s', baseline: 'grpc-js + createReadStream', target: { on: 'ratio', op: '>=', limit: 1.5 } },
  // Section 7 sets no target for unary calls: informational.
  { group: 'grpc', name: 'gRPC GetTensor vs GraphQL tensor(cid, name)', unit: 'calls/s', baseline: 'GraphQL tensor(cid, name)' },
];

export async function grpcBench(ctx: BenchContext, fixture: HttpFixture): Promise<Row[]> {
  return guarded(ctx, HEADERS, async () => {
    if ('error' in fixture.store) throw new Error(fixture.store.error);
    const store = fixture.store;
    const seconds = ctx.quick ? 1 : 4;
    const rounds = ctx.quick ? 3 : 5;
    let ipfrs: RunningServer | undefined;
    let plain: (RunningServer & { address: string }) | undefined;
    try {
      const grpcPort = await freePort();
      ipfrs = await startIpfrs(store.dir, ctx.tmpDir, 'ipfrs-grpc', ctx.profileDir, grpcPort);
      plain = await startGrpcReadStream(`${fixture.root}/${fixture.fileName}`, ctx.tmpDir);
      const address = `127.0.0.1:${grpcPort}`;
      const name = await tensorName(address, store.cid);
      const request = { cid: store.cid, name };
      const http = async () => {
        const result = await runWrk(ctx.tools.wrk!, {
          url: ipfrs!.url,
          seconds,
          connections: 1,
          script: requestScript({ method: 'GET', path: `/v1/tensor/${store.cid}/${encodeURIComponent(name)}` }),
          tmpDir: ctx.tmpDir,
        });
        if (errorCount(result)) throw new Error(`HTTP route: ${errorCount(result)} errors`);
        return result.bytesPerSecond / 1e9;
      };
      // Both gRPC servers are read by the same client: grpcio (C core) when Debian has it, else grpc-js.
      const python = pythonReader(ctx.tmpDir);
      const grpc = async (at: string) =>
        (python ? await python(at, store.cid, name, seconds, fixture.size) : await readSliceLoad(at, request, seconds, fixture.size)).bytesPerSecond / 1e9;
      const note = python ? 'read by python3-grpcio (C core)' : 'read by grpc-js (no python3-grpcio here)';
      const subjects: Record<string, () => Promise<number>> = { grpc: () => grpc(address), plain: () => grpc(plain!.address) };
      if (ctx.tools.wrk) subjects.http = http;
      ctx.log(`  ReadSlice 256 MiB: ${Object.keys(subjects).join(', ')}; ${rounds} rounds of ${seconds} s`);
      for (const run of Object.values(subjects)) await run(); // warm-up: JIT, page cache
      const streams = await alternate(subjects, rounds);
      const rows: Row[] = [];
      rows.push(
        ctx.tools.wrk
          ? makeRow({ ...HEADERS[0]!, better: 'higher', values: streams.grpc!, baselineValues: streams.http!, note })
          : skippedRow(HEADERS[0]!, 'wrk is not installed (apt-get install -y wrk)'),
      );
      rows.push(makeRow({ ...HEADERS[1]!, better: 'higher', values: streams.grpc!, baselineValues: streams.plain!, note }));

      const client = tensorClient(address);
      const getTensor = () =>
        new Promise<void>((resolve, reject) => {
          client.GetTensor!(request, (error: Error | null) => (error ? reject(error) : resolve()));
        });
      const query = JSON.stringify({
        query: 'query($cid: CID!, $name: String) { tensor(cid: $cid, name: $name) { cid name dtype shape byteLength } }',
        variables: request,
      });
      const graphql = async () => {
        const response = await fetch(`${ipfrs!.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: query });
        const body = (await response.json()) as { data?: { tensor?: unknown } };
        if (!body.data?.tensor) throw new Error(`GraphQL answered ${JSON.stringify(body).slice(0, 200)}`);
      };
      try {
        const calls = { grpc: () => callLoad(getTensor, seconds, 8), graphql: () => callLoad(graphql, seconds, 8) };
        ctx.log(`  GetTensor vs GraphQL tensor: ${rounds} rounds of ${seconds} s, 8 in flight`);
        await calls.grpc();
        await calls.graphql();
        const samples = await alternate(calls, rounds);
        rows.push(makeRow({ ...HEADERS[2]!, better: 'higher', values: samples.grpc, baselineValues: samples.graphql }));
      } finally {
        client.close();
      }
      return rows;
    } finally {
      await Promise.all([ipfrs?.stop(), plain?.stop()]);
    }
  });
}

/** The big tensor's name, asked of the server (a single-tensor file's name is derived from its file name). */
function tensorName(address: string, cid: string): Promise<string> {
  const client = tensorClient(address);
  return new Promise<string>((resolve, reject) => {
    client.GetTensor!({ cid }, (error: Error | null, tensor?: { name: string }) => (error ? reject(error) : resolve(tensor!.name)));
  }).finally(() => client.close());
}
