// IPFS (section 12), each against its baseline in the same run, alternating:
// - CAR export of the 256 MiB file (`/ipfs/<root>?format=car`, curl) against the download route (`/v1/blob/<cid>`).
// - Fetching it from a peer (PeerFetcher into a fresh store: every block verified, written, fsynced, indexed)
//   against a plain HTTP download of the same bytes into a file (curl -o).
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
    try {
      const car = async () => rate(1e9)(await fetched(`${server.url}/ipfs/${root}?format=car`));
      const blob = async () => rate(1e9)(await fetched(`${server.url}/v1/blob/${cid}`));
      await blob();
      const exportSamples = await alternate({ car, blob }, rounds);

      const target = join(ctx.tmpDir, 'fetched.bin');
      const plain = async () => {
        const seconds = await timeAsync(async () => {
          const result = await runBounded(curl, ['-s', '-o', target, '-w', '%{http_code}', `${server.url}/v1/blob/${cid}`], 120_000);
          if (result.code !== 0 || result.stdout.trim() !== '200') throw new Error(`curl -o failed: ${result.stderr}`);
        });
        rmSync(target, { force: true });
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
          rmSync(peerStoreDir, { recursive: true, force: true });
        }
      };
      const helia = await heliaFetcher(server.url);
      const viaHelia = helia ? async () => rate(1e6)(await timeAsync(() => helia.get(root, size))) : async () => Number.NaN;
      const fetchSamples = await alternate({ peer, plain, viaHelia }, rounds);
      await helia?.stop();
      return [
        makeRow({ ...HEADERS[0]!, better: 'higher', values: exportSamples.car, baselineValues: exportSamples.blob }),
        makeRow({ ...HEADERS[1]!, better: 'higher', values: fetchSamples.peer, baselineValues: fetchSamples.plain }),
        helia
          ? makeRow({ ...HEADERS[2]!, better: 'higher', values: fetchSamples.viaHelia, baselineValues: fetchSamples.plain })
          : skippedRow(HEADERS[2]!, '@helia/verified-fetch is not installed'),
      ];
    } finally {
      await server.stop();
    }
  });
}

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
    return {
      async get(root, size) {
        // A fresh node each time: its blockstore is in memory and would answer the second run itself.
        const light = withHTTP(createHeliaLight({}), { delegatedRouters: [], recursiveGateways: [], allowInsecure: true, allowLocal: true });
        const router = fallbackRouter({ gateways: [gateway], shuffle: false });
        router.capabilities = () => [];
        light.addRouter(router);
        const verifiedFetch = await createVerifiedFetch(await light.start());
        try {
          const res = await verifiedFetch(`ipfs://${root}`, { signal: AbortSignal.timeout(300_000) });
          const bytes = await res.arrayBuffer();
          if (res.status !== 200 || bytes.byteLength !== size) throw new Error(`verified-fetch: ${res.status}, ${bytes.byteLength} bytes`);
        } finally {
          await verifiedFetch.stop();
        }
      },
      async stop() {},
    };
  } catch {
    return null;
  }
}

