// Memory: how much anonymous memory (RssAnon: heap, buffers; not the page cache) the ipfrs server gains while it
// serves a 4 GiB object once, against the plain Node createReadStream server serving the same file. Zero-copy
// serving keeps the bytes in mapped file pages, which count as RssFile, never RssAnon.
import { closeSync, ftruncateSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { guarded, type BenchContext, type RowHeader } from './lib/context.ts';
import { download, probe } from './lib/load.ts';
import { findTool } from './lib/machine.ts';
import { startIpfrs, startReadStream, type RunningServer } from './lib/servers.ts';
import { alternate, GiB, median, MiB, sleep } from './lib/stats.ts';
import { makeRow, type Row } from './lib/table.ts';
import { rssAnon, sampleRssAnon } from './lib/rss.ts';

function header(size: number): RowHeader {
  return {
    group: 'memory',
    name: `RssAnon growth serving ${size / GiB} GiB (one GET)`,
    unit: 'MiB',
    baseline: 'Node createReadStream',
    target: { on: 'value', op: '<', limit: 64 },
  };
}

export async function memoryBench(ctx: BenchContext): Promise<Row[]> {
  // Quick mode serves 1 GiB: a zero-copy server's growth does not depend on the size, a copying one's shows anyway.
  const size = ctx.quick ? GiB : 4 * GiB;
  const HEADER = header(size);
  return guarded(ctx, [HEADER], async () => {
    const storeDir = join(ctx.tmpDir, 'memory-store');
    try {
      const { cid, objectsDir } = await sparseStore(storeDir, size);
      const speeds: Record<string, number[]> = { ipfrs: [], node: [] };
      const servers: RunningServer[] = [];
      // Full: a fresh server each run, growth from its own level. Quick: one server per side (its start is most of
      // the cost), growth counted from the level before its first download, so later runs can only read higher.
      const measure = (name: string, start: () => Promise<RunningServer>, path: string) => {
        let shared: { server: RunningServer; before: number } | null = null;
        return async () => {
          const server = shared?.server ?? (await start());
          try {
            const before = shared?.before ?? (await settledLevel(server, path));
            if (ctx.quick && !shared) {
              shared = { server, before };
              servers.push(server);
            }
            const result = await growthWhileServing(server, path, size, before);
            speeds[name]!.push(size / result.seconds / 1e9);
            return result.growth / MiB;
          } finally {
            if (!ctx.quick) await server.stop();
          }
        };
      };
      const rounds = 3;
      ctx.log(`  ${rounds} rounds of one ${size / GiB} GiB GET${ctx.quick ? ' (one server per side)' : ', a fresh server each'}`);
      let samples: Record<'ipfrs' | 'node', number[]>;
      try {
        samples = await alternate(
          {
            ipfrs: measure('ipfrs', () => startIpfrs(storeDir, ctx.tmpDir, 'ipfrs-memory', ctx.profileDir), `/v1/blob/${cid}`),
            node: measure('node', () => startReadStream(objectsDir, ctx.tmpDir), `/${cid}`),
          },
          rounds,
        );
      } finally {
        await Promise.all(servers.map((server) => server.stop()));
      }
      return [
        makeRow({
          ...HEADER,
          better: 'lower',
          values: samples.ipfrs,
          baselineValues: samples.node,
          // RssAnon moves by a MiB or so with nothing served (GC timing): below that the ratio means nothing.
          ratioFloor: 1,
          note: `median download speed ipfrs ${median(speeds.ipfrs!).toFixed(2)} GB/s, Node ${median(speeds.node!).toFixed(2)} GB/s (curl)`,
        }),
      ];
    } finally {
      rmSync(storeDir, { recursive: true, force: true });
    }
  });
}

/**
 * A store holding a sparse raw object of `size` bytes, made through the object store's own commit (TensorStore.add would
 * write 4 GiB of zeros to disk first); opening the store indexes it from its meta, as after a lost index.
 */
export async function sparseStore(root: string, size: number, raw: { dtype: 'U8' | 'F32'; name: string } = { dtype: 'U8', name: 'sparse' }): Promise<{ cid: string; objectsDir: string }> {
  const { ObjectStore } = await import('../src/store/object-store.ts');
  const { createCidHasher } = await import('../src/store/cid.ts');
  const { TensorStore } = await import('../src/store/tensor-store.ts');
  rmSync(root, { recursive: true, force: true });
  const objects = new ObjectStore(root);
  const path = join(objects.tmpDir, 'sparse.part');
  const fd = openSync(path, 'w', 0o600);
  ftruncateSync(fd, size);
  closeSync(fd);
  const hasher = createCidHasher();
  const zeros = Buffer.alloc(16 * MiB);
  for (let done = 0; done < size; done += zeros.length) hasher.update(zeros);
  const cid = hasher.digest();
  objects.commit({ path, cid, size }, { sourceName: 'sparse.bin', addedAt: Date.now(), raw: { dtype: raw.dtype, shape: [raw.dtype === 'F32' ? size / 4 : size], name: raw.name } });
  const store = TensorStore.open(root);
  try {
    if (!store.getFile(cid)) throw new Error('the store did not index the sparse object');
  } finally {
    store.close();
  }
  return { cid, objectsDir: objects.objectsDir };
}

/** Warm-up (the first request loads code paths and allocates what any request needs), then RssAnon at rest. */
export async function settledLevel(server: RunningServer, path: string): Promise<number> {
  const warm = await probe(`${server.url}${path}`, { headers: { Range: 'bytes=0-1048575' } });
  if (warm.status !== 206) throw new Error(`${server.name} answered ${warm.status} to a Range request`);
  await sleep(300);
  return rssAnon(server.pid);
}

/** RssAnon is sampled every 20 ms during the download; growth = the peak minus `before`. */
async function growthWhileServing(server: RunningServer, path: string, size: number, before: number): Promise<{ growth: number; seconds: number }> {
  const url = `${server.url}${path}`;
  const sampler = sampleRssAnon(server.pid, before);
  const t0 = performance.now();
  let peak = before;
  try {
    const result = await download(url, 180_000, findTool('curl'));
    if (result.status !== 200 || result.bytes !== size) throw new Error(`${server.name} served ${result.bytes} bytes with status ${result.status}`);
  } finally {
    peak = sampler.stop();
  }
  return { growth: peak - before, seconds: (performance.now() - t0) / 1000 };
}
