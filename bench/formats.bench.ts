// Formats other tools read (issue 19), each side by side with the raw tensor download of the same bytes from the
// same server: anonymous memory while serving 1 GiB as Arrow and as Zarr chunks, the Arrow download speed, and
// zarr-python reading a 256 MiB tensor over HTTP against Python reading the same bytes from /v1/tensor.
// The baseline of the zarr rows (bench/formats_read.py `raw`): one GET of /v1/tensor/<cid>/<name> over http.client,
// read with readinto straight into one preallocated numpy array: the least a Python client can do for those bytes.
// zarr-python cannot read that way (a store hands it each chunk as a buffer, which it then copies into the array),
// so the same two readers also run against nginx serving the same chunks as static files: the ratio there is the
// client's own ceiling, and zarr-python against ipfrs beside zarr-python against nginx is the server's part.
import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { guarded, INSTALL_HINT, type BenchContext, type RowHeader } from './lib/context.ts';
import { download, probe, runBounded } from './lib/load.ts';
import { findTool } from './lib/machine.ts';
import { REPO_ROOT, startIpfrs, startNginx, type RunningServer } from './lib/servers.ts';
import { alternate, GiB, MiB, sleep } from './lib/stats.ts';
import { makeRow, skippedRow, type Row } from './lib/table.ts';
import { rssAnon, sampleRssAnon } from './lib/rss.ts';
import { sparseStore } from './memory.bench.ts';

const ARROW_MEMORY: RowHeader = {
  group: 'formats',
  name: 'RssAnon growth serving a 1 GiB tensor as Arrow (one GET)',
  unit: 'MiB',
  baseline: 'the raw tensor download',
  target: { on: 'value', op: '<', limit: 64 },
};
const ZARR_MEMORY: RowHeader = {
  group: 'formats',
  name: 'RssAnon growth serving a 1 GiB tensor as Zarr chunks (every chunk once)',
  unit: 'MiB',
  baseline: 'the raw tensor download',
  target: { on: 'value', op: '<', limit: 64 },
};
const ARROW_SPEED: RowHeader = {
  group: 'formats',
  name: '256 MiB tensor as Arrow (curl)',
  unit: 'GB/s',
  baseline: 'raw tensor download',
  target: { on: 'ratio', op: '>=', limit: 0.9 },
};
const ZARR_SPEED: RowHeader = {
  group: 'formats',
  name: 'zarr-python (fsspec HTTP store) reads a 256 MiB tensor',
  unit: 'GB/s',
  baseline: 'Python http.client, /v1/tensor',
  target: { on: 'ratio', op: '>=', limit: 0.8 },
};

const ZARR_HTTP_SPEED: RowHeader = {
  group: 'formats',
  name: 'zarr-python (http.client store, 2 threads) reads a 256 MiB tensor',
  unit: 'GB/s',
  baseline: 'Python http.client, /v1/tensor',
  target: { on: 'ratio', op: '>=', limit: 0.8 },
};

const ZARR_NGINX_CEILING: RowHeader = {
  group: 'formats',
  name: 'zarr-python (fsspec HTTP store) reads the same chunks as files from nginx',
  unit: 'GB/s',
  baseline: 'Python http.client, the 256 MiB file from nginx',
  // No target: the client's own ceiling, for the ipfrs rows above.
};

const ZARR_HTTP_NGINX_CEILING: RowHeader = {
  group: 'formats',
  name: 'zarr-python (http.client store) reads the same chunks as files from nginx',
  unit: 'GB/s',
  baseline: 'Python http.client, the 256 MiB file from nginx',
};

const ZARR_SERVER: RowHeader = {
  group: 'formats',
  name: 'zarr-python (fsspec HTTP store) from ipfrs /zarr',
  unit: 'GB/s',
  baseline: 'the same client, the chunks as files from nginx',
};

const PYTHON = '/usr/bin/python3';

export async function formatsBench(ctx: BenchContext): Promise<Row[]> {
  const curl = findTool('curl');
  const rows: Row[] = [];
  rows.push(...(await guarded(ctx, [ARROW_MEMORY, ZARR_MEMORY], () => memoryRows(ctx, curl))));
  rows.push(...(await guarded(ctx, [ARROW_SPEED, ZARR_SPEED, ZARR_HTTP_SPEED, ZARR_NGINX_CEILING, ZARR_HTTP_NGINX_CEILING, ZARR_SERVER], () => speedRows(ctx, curl))));
  return rows;
}

async function memoryRows(ctx: BenchContext, curl: string | null): Promise<Row[]> {
  const size = GiB;
  const storeDir = join(ctx.tmpDir, 'formats-memory-store');
  try {
    const { cid } = await sparseStore(storeDir, size, { dtype: 'F32', name: 'w' });
    const server = await startIpfrs(storeDir, ctx.tmpDir, 'ipfrs-formats-memory', ctx.profileDir);
    try {
      const tensor = `${server.url}/v1/tensor/${cid}/w`;
      const zarray = (await probe(`${server.url}/zarr/${cid}/w/.zarray`)).body;
      const chunks = (JSON.parse(zarray.toString()) as { chunks: number[] }).chunks[0]!;
      const keys = Array.from({ length: Math.ceil(size / 4 / chunks) }, (_, i) => `${server.url}/zarr/${cid}/w/${i}`);
      ctx.log(`  1 GiB F32 tensor: Arrow GET, ${keys.length} Zarr chunks of ${(chunks * 4) / MiB} MiB, raw GET; 3 rounds on one server`);
      // Warm-up: each path once, in small pieces, so code and buffers every request needs are allocated.
      await probe(`${tensor}?format=arrow`, { headers: { Range: 'bytes=0-1048575' } });
      await probe(keys[0]!);
      await probe(tensor, { headers: { Range: 'bytes=0-1048575' } });
      await sleep(300);
      const before = rssAnon(server.pid);
      const growth = (load: () => Promise<void>) => async () => (await peakWhile(server, load)) - before;
      const samples = await alternate(
        {
          arrow: growth(async () => void check(await download(`${tensor}?format=arrow`, 180_000, curl), size, 'arrow')),
          zarr: growth(() => fetchAll(keys, 2, chunks * 4)),
          raw: growth(async () => void check(await download(tensor, 180_000, curl), size, 'raw')),
        },
        3,
      );
      const mib = (values: number[]) => values.map((v) => v / MiB);
      return [
        makeRow({ ...ARROW_MEMORY, better: 'lower', values: mib(samples.arrow), baselineValues: mib(samples.raw), ratioFloor: 1 }),
        makeRow({ ...ZARR_MEMORY, better: 'lower', values: mib(samples.zarr), baselineValues: mib(samples.raw), ratioFloor: 1 }),
      ];
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }
}

async function speedRows(ctx: BenchContext, curl: string | null): Promise<Row[]> {
  const size = 256 * MiB;
  const storeDir = join(ctx.tmpDir, 'formats-speed-store');
  const nginxRoot = join(ctx.tmpDir, 'formats-speed-nginx');
  let server: RunningServer | undefined;
  let nginx: RunningServer | undefined;
  try {
    const { cid } = await sparseStore(storeDir, size, { dtype: 'F32', name: 'w' });
    server = await startIpfrs(storeDir, ctx.tmpDir, 'ipfrs-formats-speed', ctx.profileDir);
    const tensor = `${server.url}/v1/tensor/${cid}/w`;
    const prefix = `${server.url}/zarr/${cid}/`;
    const arrowLength = Number((await fetch(`${tensor}?format=arrow`, { method: 'HEAD' })).headers.get('content-length'));
    const speed = (bytes: number, seconds: number) => bytes / seconds / 1e9;
    const rounds = ctx.quick ? 3 : 7;
    if (ctx.tools.nginx) nginx = await startNginx(ctx.tools.nginx, 'nginx-formats', await zarrFiles(nginxRoot, prefix, size), { sendfile: false, outputBuffers: '2 1m' }, ctx.tmpDir);
    ctx.log(`  256 MiB F32 tensor: Arrow vs raw by curl, zarr-python vs http.client${nginx ? ', on ipfrs and on nginx' : ' (no nginx: no ceiling rows)'}; ${rounds} rounds`);
    await download(`${tensor}?format=arrow`, 60_000, curl);
    await download(tensor, 60_000, curl);
    const timed = async (url: string, length: number) => {
      const t0 = performance.now();
      check(await download(url, 60_000, curl), length, url);
      return speed(length, (performance.now() - t0) / 1000);
    };
    const http = await alternate({ arrow: () => timed(`${tensor}?format=arrow`, arrowLength), raw: () => timed(tensor, size) }, rounds);
    const python = async (args: string[]) => {
      const { stdout, stderr, code } = await runBounded(PYTHON, [join(REPO_ROOT, 'bench', 'formats_read.py'), ...args], 120_000);
      if (code !== 0) throw new Error(`formats_read.py ${args[0]} failed: ${stderr.slice(-500)}`);
      return speed(size, Number(stdout.trim()));
    };
    const onNginx = nginx ? `${nginx.url}/zarr/${cid}/` : '';
    const none = async () => Number.NaN;
    const py = await alternate(
      {
        raw: () => python(['raw', tensor, String(size)]),
        zarr: () => python(['zarr', prefix, 'w']),
        zarrHttp: () => python(['zarr-http', prefix, 'w']),
        nginxRaw: nginx ? () => python(['raw', `${nginx!.url}/tensor`, String(size)]) : none,
        nginxZarr: nginx ? () => python(['zarr', onNginx, 'w']) : none,
        nginxZarrHttp: nginx ? () => python(['zarr-http', onNginx, 'w']) : none,
      },
      rounds,
    );
    const ran = (values: number[]) => values.filter((v) => !Number.isNaN(v));
    const ceiling = nginx
      ? [
          makeRow({ ...ZARR_NGINX_CEILING, better: 'higher', values: ran(py.nginxZarr), baselineValues: ran(py.nginxRaw), note: 'nginx serves the same 64 chunk files and the 256 MiB file: the ratio zarr-python over fsspec reaches on any server' }),
          makeRow({ ...ZARR_HTTP_NGINX_CEILING, better: 'higher', values: ran(py.nginxZarrHttp), baselineValues: ran(py.nginxRaw) }),
          makeRow({ ...ZARR_SERVER, better: 'higher', values: py.zarr, baselineValues: ran(py.nginxZarr), note: 'one client, two servers: what ipfrs costs a Zarr reader beside static files' }),
        ]
      : [ZARR_NGINX_CEILING, ZARR_HTTP_NGINX_CEILING, ZARR_SERVER].map((h) => skippedRow(h, `nginx is not installed (${INSTALL_HINT})`));
    return [
      makeRow({ ...ARROW_SPEED, better: 'higher', values: http.arrow, baselineValues: http.raw, note: `Arrow stream ${arrowLength - size} bytes longer than the raw tensor` }),
      makeRow({ ...ZARR_SPEED, better: 'higher', values: py.zarr, baselineValues: py.raw, note: 'open and read of every chunk (64 of 4 MiB) included; fsspec reads through aiohttp; baseline: one GET read into one numpy array' }),
      makeRow({ ...ZARR_HTTP_SPEED, better: 'higher', values: py.zarrHttp, baselineValues: py.raw, note: 'bench/formats_read.py HttpStore: a zarr store of plain kept-alive GETs, 2 threads' }),
      ...ceiling,
    ];
  } finally {
    await server?.stop();
    await nginx?.stop();
    rmSync(storeDir, { recursive: true, force: true });
    rmSync(nginxRoot, { recursive: true, force: true });
  }
}

/**
 * The Zarr view at `prefix` as static files for nginx, `zarr/<cid>/...` below the returned root, beside `tensor`
 * (the raw bytes): the metadata keys copied from the server, the chunks and the tensor as sparse files, which is
 * what they are (sparseStore's tensor is zeros), so both servers read holes from the page cache.
 */
async function zarrFiles(root: string, prefix: string, size: number): Promise<string> {
  rmSync(root, { recursive: true, force: true });
  const dir = join(root, new URL(prefix).pathname);
  mkdirSync(join(dir, 'w'), { recursive: true });
  for (const key of ['.zgroup', '.zattrs', '.zmetadata', 'w/.zarray', 'w/.zattrs']) {
    const answer = await probe(`${prefix}${key}`);
    if (answer.status !== 200) throw new Error(`${prefix}${key}: status ${answer.status}`);
    writeFileSync(join(dir, key), answer.body);
  }
  const zarray = JSON.parse((await probe(`${prefix}w/.zarray`)).body.toString()) as { chunks: number[]; shape: number[] };
  const chunkBytes = zarray.chunks[0]! * 4;
  for (let i = 0; i * zarray.chunks[0]! < zarray.shape[0]!; i++) sparseFile(join(dir, 'w', String(i)), chunkBytes);
  sparseFile(join(root, 'tensor'), size);
  return root;
}

function sparseFile(path: string, size: number): void {
  writeFileSync(path, '');
  truncateSync(path, size);
}

function check(result: { bytes: number; status: number }, length: number, what: string): void {
  if (result.status !== 200 || result.bytes < length) throw new Error(`${what}: ${result.bytes} bytes with status ${result.status}`);
}

/** GETs every URL, `parallel` at a time over kept-alive connections, and throws the bytes away. */
async function fetchAll(urls: string[], parallel: number, length: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const url = urls[next++]!;
      const response = await fetch(url);
      const reader = response.body!.getReader();
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
      }
      if (response.status !== 200 || bytes !== length) throw new Error(`${url}: ${bytes} bytes with status ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Peak RssAnon of the server, sampled every 20 ms while `load` runs. */
async function peakWhile(server: RunningServer, load: () => Promise<void>): Promise<number> {
  const sampler = sampleRssAnon(server.pid, rssAnon(server.pid));
  let peak = 0;
  try {
    await load();
  } finally {
    peak = sampler.stop();
  }
  return peak;
}
