// IPFS (section 12), each against its baseline in the same run, alternating:
// - CAR export of the 256 MiB file (`/ipfs/<root>?format=car`, curl) against the download route (`/v1/blob/<cid>`).
// - Fetching it from a peer (PeerFetcher into a fresh store: every block verified, written, fsynced, indexed)
//   against a plain HTTP download of the same bytes into a file (curl -o: into the page cache, never fsynced).
// - Info: the same fetch against that download made durable as the store's ingest is (curl -o, then `sync FILE`,
//   an fsync of the file): what the fsync the store owes its atomic ingest costs, apart from the fetch itself.
// - Info: Helia's verified-fetch (light node, trustless-gateway broker) reading it from the same peer into memory,
//   against the same plain download: the library PeerFetcher was measured against.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { guarded, type BenchContext, type RowHeader } from './lib/context.ts';
import type { HttpFixture } from './lib/fixtures.ts';
import { download, runBounded } from './lib/load.ts';
import { findTool } from './lib/machine.ts';
import { startIpfrs } from './lib/servers.ts';
import { alternate, timeAsync } from './lib/stats.ts';
import { makeRow, skippedRow, type Row } from './lib/table.ts';

const HEADERS: RowHeader[] = [
  { group: 'ipfs', name: 'IPFS CAR export of 256 MiB (?format=car)', unit: 'GB/s', baseline: 'download route /v1/blob', target: { on: 'ratio', op: '>=', limit: 0.8 } },
  { group: 'ipfs', name: 'fetch 256 MiB from a peer (verified, stored)', unit: 'MB/s', baseline: 'plain HTTP download to a file (curl -o)', target: { on: 'ratio', op: '>=', limit: 0.5 } },
  { group: 'ipfs', name: 'fetch 256 MiB from a peer (verified, stored) vs a durable download', unit: 'MB/s', baseline: 'curl -o, then fsync of the file (sync FILE)' },
  { group: 'ipfs', name: 'Helia verified-fetch of 256 MiB from the peer (to memory)', unit: 'MB/s', baseline: 'plain HTTP download to a file (curl -o)' },
];

export async function ipfsBench(ctx: BenchContext, fixture: HttpFixture): Promise<Row[]> {
  return guarded(ctx, HEADERS, async () => {
    if ('error' in fixture.store) throw new Error(fixture.store.error);
    const curl = findTool('curl');
    if (!curl) throw new Error('curl is not installed');
    const { TensorStore } = await import('../src/store/tensor-store.ts');
    const { PeerFetcher } = await import('../src/ipfs/peers.ts');
    const { cid } = fixture.store;
    const probeStore = TensorStore.open(fixture.store.dir);
    const root = probeStore.ipfsCidOf(cid);
    probeStore.close();
    if (!root) throw new Error('the fixture has no UnixFS root');
    const server = await startIpfrs(fixture.store.dir, ctx.tmpDir, 'ipfrs-gateway', ctx.profileDir, 0, ['--ipfs-gateway']);
    const rounds = ctx.quick ? 3 : 5;
    const size = fixture.size;
    const rate = (unit: number) => (seconds: number) => size / seconds / unit;
    const fetched = async (url: string) => {
      let got = 0;
      const seconds = await timeAsync(async () => {
        const result = await download(url, 120_000, curl);
        if (result.status !== 200) throw new Error(`${url}: ${result.status}`);
        got = result.bytes;
      });
      if (got < size) throw new Error(`${url}: ${got} bytes`);
      return seconds;
    };
    // A deleted file that was on disk costs its blocks' discard (the file system is mounted with `discard` here: about
    // 180 ms per 256 MiB) at the next journal commit, which the next row's first fsync would then pay for. Each row
    // removes what it wrote and commits, untimed, so a sample holds only its own work.
    const removeSettled = async (path: string) => {
      rmSync(path, { recursive: true, force: true });
      const settled = await runBounded('sync', ['-f', ctx.tmpDir], 120_000);
      if (settled.code !== 0) throw new Error(`sync -f ${ctx.tmpDir} failed: ${settled.stderr}`);
    };
    try {
      const car = async () => rate(1e9)(await fetched(`${server.url}/ipfs/${root}?format=car`));
      const blob = async () => rate(1e9)(await fetched(`${server.url}/v1/blob/${cid}`));
      // One of each first, not counted: the first CARs of a fresh server ran 30-60% slower here (its code not yet
      // optimised), as the first download of each row does.
      await blob();
      await car();
      const exportSamples = await alternate({ car, blob }, rounds);

      const target = join(ctx.tmpDir, 'fetched.bin');
      const plain = async () => {
        const seconds = await timeAsync(async () => {
          const result = await runBounded(curl, ['-s', '-o', target, '-w', '%{http_code}', `${server.url}/v1/blob/${cid}`], 120_000);
          if (result.code !== 0 || result.stdout.trim() !== '200') throw new Error(`curl -o failed: ${result.stderr}`);
        });
        await removeSettled(target);
        return rate(1e6)(seconds);
      };
      const durable = async () => {
        const seconds = await timeAsync(async () => {
          const result = await runBounded(curl, ['-s', '-o', target, '-w', '%{http_code}', `${server.url}/v1/blob/${cid}`], 120_000);
          if (result.code !== 0 || result.stdout.trim() !== '200') throw new Error(`curl -o failed: ${result.stderr}`);
          const synced = await runBounded('sync', [target], 120_000);
          if (synced.code !== 0) throw new Error(`sync ${target} failed: ${synced.stderr}`);
        });
        await removeSettled(target);
        return rate(1e6)(seconds);
      };
      const peerStoreDir = join(ctx.tmpDir, 'peer-store');
      const peer = async () => {
        rmSync(peerStoreDir, { recursive: true, force: true });
        const store = TensorStore.open(peerStoreDir);
        try {
          const fetcher = new PeerFetcher(store, [server.url]);
          const seconds = await timeAsync(() => fetcher.fetch(root));
          if (store.getFile(cid)?.size !== size) throw new Error('the fetched file is not stored');
          return rate(1e6)(seconds);
        } finally {
          store.close();
          await removeSettled(peerStoreDir);
        }
      };
      // One fetch first, not counted, as the download rows warm up: the first also starts the hash thread and
      // compiles the fetch's code (about 30% slower here).
      await peer();
      const fetchSamples = await alternate({ peer, plain, durable }, rounds);
      // Helia apart and last: under load its block broker can fail a block outside the promise it returns (an
      // unhandled rejection), which must cost this info row, not the rows above or the run.
      const helia = await heliaFetcher(server.url);
      let heliaSamples: { viaHelia: number[]; plain: number[] } | null = null;
      let heliaFailure = helia ? null : '@helia/verified-fetch is not installed';
      if (helia) {
        const viaHelia = async () => rate(1e6)(await timeAsync(() => helia.get(root, size)));
        heliaSamples = await alternate({ viaHelia, plain }, rounds).catch((error: Error) => {
          heliaFailure = `verified-fetch failed: ${error.message.split('\n')[0]}`;
          return null;
        });
        await helia.stop();
      }
      return [
        makeRow({ ...HEADERS[0]!, better: 'higher', values: exportSamples.car, baselineValues: exportSamples.blob }),
        makeRow({ ...HEADERS[1]!, better: 'higher', values: fetchSamples.peer, baselineValues: fetchSamples.plain }),
        makeRow({ ...HEADERS[2]!, better: 'higher', values: fetchSamples.peer, baselineValues: fetchSamples.durable }),
        heliaSamples
          ? makeRow({ ...HEADERS[3]!, better: 'higher', values: heliaSamples.viaHelia, baselineValues: heliaSamples.plain })
          : skippedRow(HEADERS[3]!, heliaFailure ?? 'verified-fetch failed'),
      ];
    } finally {
      await server.stop();
    }
  });
}

const heliaEscapes: { current: ((error: unknown) => void) | null } = { current: null };

/** verified-fetch on a light Helia node whose only provider is `gateway` (see tests/ipfs/verified-fetch.test.ts). */
async function heliaFetcher(gateway: string): Promise<{ get(root: string, size: number): Promise<void>; stop(): Promise<void> } | null> {
  try {
    const withResolvers = Promise as unknown as { withResolvers?: () => unknown };
    withResolvers.withResolvers ??= () => {
      let resolve: unknown;
      let reject: unknown;
      const promise = new Promise((a, b) => {
        resolve = a;
        reject = b;
      });
      return { promise, resolve, reject };
    };
    const { createVerifiedFetch } = await import('@helia/verified-fetch');
    const { createHeliaLight } = await import('helia');
    const { withHTTP } = await import('@helia/http');
    const { fallbackRouter } = await import('@helia/fallback-router');
    // Under load Helia's block broker can reject a block load, or the timeout of one, that no promise it returned
    // awaits (LoadBlockFailedError, TimeoutError, AbortError), which would end the process: it fails the fetch
    // under way instead, and the row.
    const escapes = new Set(['LoadBlockFailedError', 'TimeoutError', 'AbortError']);
    const onEscape = (error: unknown) => {
      if (!escapes.has((error as Error | null)?.name ?? '')) throw error;
      heliaEscapes.current?.(error);
    };
    process.on('unhandledRejection', onEscape);
    return {
      async get(root, size) {
        // A fresh node each time: its blockstore is in memory and would answer the second run itself.
        const light = withHTTP(createHeliaLight({}), { delegatedRouters: [], recursiveGateways: [], allowInsecure: true, allowLocal: true });
        const router = fallbackRouter({ gateways: [gateway], shuffle: false });
        router.capabilities = () => [];
        light.addRouter(router);
        const verifiedFetch = await createVerifiedFetch(await light.start());
        let escaped: ((error: unknown) => void) | null = null;
        heliaEscapes.current = (error) => escaped?.(error);
        try {
          const failed = new Promise<never>((_, reject) => (escaped = reject));
          const read = (async () => {
            const res = await verifiedFetch(`ipfs://${root}`, { signal: AbortSignal.timeout(60_000) });
            const bytes = await res.arrayBuffer();
            if (res.status !== 200 || bytes.byteLength !== size) throw new Error(`verified-fetch: ${res.status}, ${bytes.byteLength} bytes`);
          })();
          // Whichever loses must not surface later as unhandled, once this handler is gone.
          read.catch(() => {});
          failed.catch(() => {});
          await Promise.race([read, failed]);
        } finally {
          heliaEscapes.current = null;
          await verifiedFetch.stop();
        }
      },
      async stop() {
        // Later than the fetches: a block load Helia left running can still time out after its node stopped.
        setTimeout(() => process.off('unhandledRejection', onEscape), 120_000).unref();
      },
    };
  } catch {
    return null;
  }
}

