// The playground at `/`: its pure helpers as tables, the handler's HTTP behaviour, and the page itself in headless
// Debian Chromium against a real server holding the fixtures: search and open a tensor, draw a 2-D slice, see a bad
// spec's error, download the slice as .npy (checked by numpy), clear the cache with the admin token. No request
// may leave 127.0.0.1, and the page must log no error. Screenshots go to tests/screenshots/ (git-ignored).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { requireTool } from '../helpers/tools.ts';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tableFromIPC } from 'apache-arrow';
import { startServer, type RunningServer } from '../../src/server.ts';
import { createPlaygroundHandler, SCRIPT_PATH, STYLE_PATH } from '../../src/server/playground.ts';
import type { Logger } from '../../src/telemetry/logger.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { formatBytes, formatExpiry, formatShape, formatValue, niceTicks, plural } from '../../playground/src/format.ts';
import { defaultSpec, downloadName } from '../../playground/src/spec.ts';
import { SseParser } from '../../playground/src/sse.ts';
import { downsample, displaySize, robustRange } from '../../playground/src/heatmap.ts';
import { indexTicks } from '../../playground/src/line-plot.ts';
import { unravel } from '../../playground/src/values-table.ts';
import { scaleIndex, valueRange, VIRIDIS } from '../../playground/src/colormap.ts';
import { examplesFor } from '../../playground/src/slice-editor.ts';
import { fixtureFiles, FIXTURES, REPO } from '../../src/devkit/paths.ts';
import { checkWithNumpy } from '../helpers/python.ts';

// --- pure helpers -------------------------------------------------------------------------------------------

test('defaultSpec proposes a drawable first view for every rank', () => {
  const cases: Array<[number[], string]> = [
    [[], ''],
    [[10], ':'],
    [[1 << 20], ':262144'],
    [[80, 201], ':, :'],
    [[4096, 4096], ':512, :512'],
    [[1, 2, 828], '0, :, :'],
    [[1, 982, 33], '0, :, :'],
    [[2, 3, 1000, 1000], '0, 0, :512, :512'],
    [[0, 5], ':, :'],
  ];
  for (const [shape, spec] of cases) assert.is(defaultSpec(shape), spec, formatShape(shape));
});

test('examplesFor offers distinct specs that start with the default', () => {
  assert.equal(examplesFor([]), ['']);
  assert.equal(examplesFor([6]), [':', '-1', '::-1']);
  assert.equal(examplesFor([80, 201]), [':, :', '0', '::-1, ...', '::2, ...', '..., 0']);
  assert.equal(examplesFor([1, 2, 828]), ['0, :, :', '0', '..., 0']);
});

test('downloadName makes file-system-safe names from tensor names and specs', () => {
  assert.is(downloadName('mel_80', '0:40, 0:100', 'NPY'), 'mel_80_0-40_0-100.npy');
  assert.is(downloadName('layers.0.attn/bias', null, 'RAW'), 'layers.0.attn_bias.bin');
  assert.is(downloadName('x', '::-1, ...', 'NPY'), 'x_---1_....npy');
  // A spec that selects everything is the whole tensor, named as the server names it.
  for (const spec of [':, :', '...', ' : ', '..., :']) assert.is(downloadName('w', spec, 'NPY'), 'w.npy');
  assert.is(downloadName('', '', 'RAW'), 'tensor.bin');
});

test('formatters: bytes, values, expiry', () => {
  const bytes: Array<[number, string]> = [[0, '0 B'], [1023, '1023 B'], [1024, '1.00 KiB'], [64400, '62.9 KiB'], [292 * 1024 * 1024, '292 MiB'], [-1, '?']];
  for (const [n, text] of bytes) assert.is(formatBytes(n), text, String(n));
  const values: Array<[number | null, boolean, string]> = [[3, true, '3'], [-1, false, '-1'], [0.1 + 0.2, false, '0.3'], [1e-7, false, '1.0000e-7'], [12345678.9, false, '1.2346e+7'], [null, false, 'NaN/±∞']];
  for (const [v, integral, text] of values) assert.is(formatValue(v, integral), text, String(v));
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.is(formatExpiry('2026-01-01T00:15:00Z', now), 'in 15 min');
  assert.is(formatExpiry('2026-01-01T02:05:00Z', now), 'in 2 h 5 min');
  assert.is(formatExpiry('2026-01-08T00:00:00Z', now), 'in 7 days');
  assert.is(formatExpiry('2025-12-31T23:59:00Z', now), 'expired');
  assert.is(formatExpiry('not a date', now), 'unknown expiry');
  assert.equal([plural(1, 'hit'), plural(0, 'hit'), plural(1234, 'miss', 'misses')], ['1 hit', '0 hits', '1,234 misses']);
});

test('niceTicks: round steps of 1, 2 or 5 inside the range, printed exactly', () => {
  const cases: Array<[number, number, number[], number]> = [
    [0, 10, [0, 2, 4, 6, 8, 10], 0],
    [-1.41, 1.41, [-1, -0.5, 0, 0.5, 1], 1],
    [-2.25, 3.25, [-2, -1, 0, 1, 2, 3], 0],
    [-1e-9, 1e-9, [-1e-9, -5e-10, 0, 5e-10, 1e-9], 10],
    [0.001, 0.0042, [0.001, 0.002, 0.003, 0.004], 3],
    [5, 5, [5], 0],
  ];
  for (const [lo, hi, ticks, decimals] of cases) assert.equal(niceTicks(lo, hi), { ticks, decimals }, `${lo}..${hi}`);
});

test('SseParser: events split across chunks, CRLF, comments, multi-line data', () => {
  const parser = new SseParser();
  const events = [
    ...parser.push(': keep-alive\n\nevent: next\r\ndata: {"a"'),
    ...parser.push(':1}\r'),
    ...parser.push('\n\r\ndata: one\ndata: two\n\nevent: complete\ndata:\n\n'),
  ];
  assert.equal(events, [
    { event: 'next', data: '{"a":1}' },
    { event: 'message', data: 'one\ntwo' },
    { event: 'complete', data: '' },
  ]);
  assert.equal(parser.push('data: partial'), [], 'nothing until the blank line');
});

test('heatmap helpers: averaging down, display size, colour scale', () => {
  const grid = downsample([1, 3, null, null, 5, 7, null, null], 2, 4, 2);
  assert.equal(JSON.parse(JSON.stringify(grid)), { rows: 2, cols: 2, values: [2, null, 6, null] });
  const same = [1, 2, 3, 4];
  assert.is(downsample(same, 2, 2).values, same, 'small grids are not copied');
  assert.equal(displaySize(80, 201, 700), { width: 700, height: 279 });
  assert.equal(displaySize(982, 33, 700), { width: 192, height: 440 });
  assert.equal(displaySize(2, 828, 700), { width: 700, height: 96 });
  const range = valueRange([null, -2, 0, 2]);
  assert.equal(range, { min: -2, max: 2, missing: 1 });
  assert.equal([scaleIndex(-2, range), scaleIndex(0, range), scaleIndex(2, range)], [0, 128, 255]);
  assert.is(scaleIndex(5, { min: 5, max: 5, missing: 0 }), 128, 'a flat range is drawn mid-scale');
  const spiky = [...Array.from({ length: 198 }, (_, i) => i % 10), 1e6, -1e6, null];
  assert.equal(robustRange(spiky), { min: 0, max: 9, missing: 1 }, 'percentiles ignore the two spikes');
  assert.equal(robustRange([null]), { min: Infinity, max: -Infinity, missing: 1 });
  assert.equal([...VIRIDIS.subarray(0, 3)], [0x44, 0x01, 0x54]);
  assert.equal([...VIRIDIS.subarray(765)], [0xfd, 0xe7, 0x25]);
});

test('line plot ticks and table indices', () => {
  assert.equal(indexTicks(1), [0]);
  assert.equal(indexTicks(6), [0, 1, 2, 3, 4, 5]);
  assert.equal(indexTicks(828), [0, 166, 332, 498, 664, 827]);
  assert.equal(unravel(0, [2, 3, 4]), [0, 0, 0]);
  assert.equal(unravel(23, [2, 3, 4]), [1, 2, 3]);
  assert.equal(unravel(5, [6]), [5]);
});

// --- the handler ----------------------------------------------------------------------------------------------

test('the handler answers only its paths, with GET/HEAD, ETags, gzip and a strict CSP', async () => {
  const handler = createPlaygroundHandler({ graphqlPath: '/api/graphql' });
  await handler.ready;
  const call = (method: string, url: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, string>; body: Buffer; handled: boolean }>((resolve) => {
      let status = 0;
      let sent: Record<string, string> = {};
      const res = {
        destroyed: false,
        writeHead(code: number, h: Record<string, string>) {
          status = code;
          sent = h;
        },
        end(body?: Buffer | string) {
          resolve({ status, headers: sent, body: Buffer.from(body ?? ''), handled: true });
        },
      } as unknown as ServerResponse;
      const handled = handler({ method, url, headers } as IncomingMessage, res);
      if (!handled) resolve({ status: 0, headers: {}, body: Buffer.alloc(0), handled });
    });

  for (const path of ['/graphql', '/v1/blob/x', '/healthz', '/index.htm', '/playground/other.js', '/favicon.ico']) {
    assert.is((await call('GET', path)).handled, false, path);
  }
  const page = await call('GET', '/?x=1');
  assert.is(page.status, 200);
  assert.match(page.headers['content-type']!, /^text\/html/);
  assert.match(page.headers['content-security-policy']!, /default-src 'none'.*script-src 'self'.*connect-src 'self'/);
  const html = page.body.toString();
  assert.match(html, /<meta name="ipfrs-graphql" content="\/api\/graphql">/);
  assert.match(html, new RegExp(`src="${SCRIPT_PATH}\\?v=[\\w-]+"`));
  assert.not.match(html, /https?:\/\/(?!www\.w3\.org)/, 'no absolute URL to anywhere');
  assert.not.match(html, /<script>|style="/, 'no inline script or style (the CSP forbids them)');

  const script = await call('GET', SCRIPT_PATH, { 'accept-encoding': 'gzip, br' });
  assert.is(script.headers['content-encoding'], 'gzip');
  assert.match(script.headers['content-type']!, /^text\/javascript/);
  assert.ok(script.body.byteLength > 1000);
  const again = await call('GET', SCRIPT_PATH, { 'if-none-match': script.headers.etag! });
  assert.is(again.status, 304);
  const head = await call('HEAD', '/index.html');
  assert.is(head.status, 200);
  assert.is(head.body.byteLength, 0);
  assert.is(Number(head.headers['content-length']), Buffer.byteLength(html));
  assert.is((await call('GET', STYLE_PATH)).headers['content-type'], 'text/css; charset=utf-8');
  const post = await call('POST', '/');
  assert.is(post.status, 405);
  assert.is(post.headers.allow, 'GET, HEAD');
});

test('a build failure is served as a page that says so, not a blank one', async () => {
  const handler = createPlaygroundHandler({ dir: join(tmpdir(), 'no-such-playground') });
  await handler.ready;
  const body = await new Promise<{ status: number; text: string }>((resolve) => {
    let status = 0;
    handler({ method: 'GET', url: '/', headers: {} } as IncomingMessage, {
      destroyed: false,
      writeHead: (code: number) => void (status = code),
      end: (b: Buffer) => resolve({ status, text: String(b) }),
    } as unknown as ServerResponse);
  });
  assert.is(body.status, 503);
  assert.match(body.text, /could not be built/);
  assert.match(body.text, /href="\/graphql"/);
});

// --- the page in Chromium ---------------------------------------------------------------------------------------

const CHROMIUM = process.env.IPFRS_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const SHOTS = join(REPO, 'tests', 'screenshots');
const MEL = join(FIXTURES, 'candle', 'mel_filters.safetensors');

let storeRoot: string;
let profile: string;
let server: RunningServer;
let context: BrowserContext;
let page: Page;
const outside: string[] = [];
const pageErrors: string[] = [];
const consoleErrors: string[] = [];
const serverErrors: string[] = [];

const capture: Logger = {
  debug() {},
  info() {},
  warn() {},
  error: (msg, fields) => void serverErrors.push(`${msg} ${JSON.stringify(fields ?? {})}`),
};

beforeAll(test, async () => {
  storeRoot = mkdtempSync(join(tmpdir(), 'ipfrs-playground-'));
  profile = mkdtempSync(join(tmpdir(), 'ipfrs-chromium-'));
  mkdirSync(SHOTS, { recursive: true });
  const store = TensorStore.open(storeRoot);
  for (const file of fixtureFiles()) await store.add(file);
  store.close();
  server = await startServer({ storeRoot, port: 0, logger: capture });
  requireTool('chromium', CHROMIUM, 'apt-get install chromium, or set IPFRS_CHROMIUM');
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 960 },
    acceptDownloads: true,
  });
  const origin = new URL(server.url);
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (/^(https?|wss?):$/.test(url.protocol) && url.host !== origin.host) {
      outside.push(url.href);
      return route.abort();
    }
    return route.continue();
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => message.type() === 'error' && consoleErrors.push(`${message.text()} (${message.location().url})`));
});

test.after(async () => {
  await context?.close();
  await server?.close();
  rmSync(storeRoot, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `playground-${name}.png`), fullPage: true });
const text = (selector: string) => page.locator(selector).innerText();

test('the page loads from the server alone and lists the tensors', async () => {
  await page.goto(server.url, { waitUntil: 'load' });
  assert.is(await page.title(), 'ipfrs playground');
  await page.locator('.tensor-item').first().waitFor();
  assert.is(await text('#list-summary'), '27 tensors');
  await page.locator('#cache-live.live-live').waitFor();
  await shot('1-start');
});

test('the list pages forward and back (Relay cursors) and filters by dtype', async () => {
  assert.is(await text('#page-info'), '1–25');
  assert.is(await page.locator('.tensor-item').count(), 25);
  await page.click('#next-page');
  await page.locator('#page-info', { hasText: '26–27' }).waitFor();
  assert.equal(await page.locator('.item-name').allInnerTexts(), ['weight1', 'weight2']);
  assert.ok(await page.locator('#next-page').isDisabled());
  await page.click('#prev-page');
  await page.locator('#page-info', { hasText: '1–25' }).waitFor();
  await page.selectOption('#dtype-filter', 'F64');
  await page.locator('#list-summary', { hasText: '5 tensors match' }).waitFor();
  assert.equal(await page.locator('.tensor-item .dtype').allInnerTexts(), ['F64', 'F64', 'F64', 'F64', 'F64']);
  await page.selectOption('#dtype-filter', '');
  await page.fill('#search', 'no-such-prefix');
  await page.locator('.list-empty', { hasText: 'No tensor matches' }).waitFor();
});

test('search finds a tensor by name prefix, and opening it shows its metadata', async () => {
  await page.fill('#search', 'mel');
  await page.locator('#list-summary', { hasText: '1 tensor matches' }).waitFor();
  assert.is(await page.locator('.tensor-item').count(), 1);
  await page.locator('.tensor-item', { hasText: 'mel_80' }).click();
  await page.locator('[data-testid=tensor-title]', { hasText: 'mel_80' }).waitFor();
  assert.is(await text('[data-testid=meta-shape]'), '[80, 201]');
  assert.match(await text('[data-testid=meta-cid]'), /^bafkrei[a-z2-7]{52}$/);
  assert.match(await text('#meta-card'), /mel_filters\.safetensors/);
  assert.is(await page.locator('.tensor-item[aria-current=true]').count(), 1);
  // The default view of a small 2-D tensor is all of it.
  await page.locator('#spec-status[data-state=ok]', { hasText: 'F32 [80, 201]' }).waitFor();
});

test('a 2-D slice is drawn as a heatmap with non-uniform pixels and a min/max legend', async () => {
  await page.fill('#spec', '0:40, 0:100');
  await page.locator('#spec-status[data-state=ok]', { hasText: 'F32 [40, 100]' }).waitFor();
  const heatmap = page.locator('[data-testid=heatmap]');
  await heatmap.waitFor();
  const pixels = await heatmap.evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    return { colours: colours.size, width: canvas.width, height: canvas.height };
  });
  assert.ok(pixels.colours >= 16, `the heatmap has ${pixels.colours} distinct colours`);
  assert.ok(pixels.width > 100 && pixels.height > 40, JSON.stringify(pixels));
  // mel filters are triangles from 0 up: the legend spans 0 to a positive maximum.
  assert.is(await text('[data-testid=legend-min]'), '0');
  assert.ok(Number(await text('[data-testid=legend-max]')) > 0);
  assert.match(await text('[data-testid=values-table]'), /^\s*0\s+1\s+2/);
  assert.match(await text('.table-block .hint'), /Showing 40 of 40 rows and 16 of 100 columns/);
  assert.match(page.url(), /#cid=bafkrei\w+&name=mel_80&spec=0%3A40%2C\+0%3A100$/);
  await shot('2-heatmap');
});

test('a bad spec shows the server\'s error message as the person types', async () => {
  await page.fill('#spec', '0:40, 0:100, 7');
  const error = page.locator('[data-testid=spec-error]');
  await error.waitFor();
  assert.is(await error.innerText(), 'too many indices for a 2-dimensional tensor: 3 were given');
  assert.is(await page.locator('#spec').getAttribute('aria-invalid'), 'true');
  assert.ok(await page.locator('[data-testid=download-slice-npy]').isDisabled(), 'no slice download for a bad spec');
  await shot('3-bad-spec');
  await page.fill('#spec', '80');
  await page.locator('[data-testid=spec-error]', { hasText: 'index 80 is out of bounds for axis 0 with size 80' }).waitFor();
});

test('the slice downloads as .npy through a signed link, and numpy reads the same values', async () => {
  const spec = '10:30, ::-7';
  await page.fill('#spec', spec);
  await page.locator('#spec-status[data-state=ok]', { hasText: 'F32 [20, 29]' }).waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=download-slice-npy]').click()]);
  const saved = join(storeRoot, 'slice.npy');
  await download.saveAs(saved);
  // The route's Content-Disposition names the file when it sends one; the page's name is the fallback.
  assert.match(download.suggestedFilename(), /^mel_80.*\.npy$/);
  assert.match(download.url(), /\/v1\/tensor\/bafkrei\w+\/mel_80\?.*sig=/);
  const bytes = readFileSync(saved);
  assert.is(bytes.subarray(0, 6).toString('latin1'), '\x93NUMPY');
  const [verdict] = checkWithNumpy([{ source: { path: MEL, name: 'mel_80' }, spec, npy: saved }]);
  assert.ok(verdict!.ok, verdict!.detail);
  const link = page.locator('.download-link').first();
  assert.is(await link.locator('[data-testid=download-size]').getAttribute('title'), `${bytes.byteLength.toLocaleString('en-US')} bytes`);
  assert.match(await link.innerText(), /expires \d\d:\d\d:\d\d \(in 1[45] min\)/);
  await shot('4-download');
});

test('Arrow and .safetensors downloads, a subset of the ticked tensors, and the Zarr URL to copy', async () => {
  await page.fill('#search', 'mel_80');
  await page.locator('.tensor-item', { hasText: 'mel_80' }).first().click();
  await page.locator('[data-testid=tensor-title]', { hasText: 'mel_80' }).waitFor();
  const [arrow] = await Promise.all([page.waitForEvent('download'), page.locator('#download-tensor button[data-format=ARROW]').click()]);
  const arrowPath = join(storeRoot, 'mel.arrow');
  await arrow.saveAs(arrowPath);
  assert.match(arrow.url(), /format=arrow/);
  assert.is(tableFromIPC(readFileSync(arrowPath)).numRows, 80 * 201);
  await page.locator('.tensor-row', { hasText: 'mel_80' }).first().locator('.tensor-check').check();
  await page.locator('#download-subset-count', { hasText: '(1)' }).waitFor();
  const [subset] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=download-subset]').click()]);
  const subsetPath = join(storeRoot, 'subset.safetensors');
  await subset.saveAs(subsetPath);
  assert.match(subset.url(), /\/v1\/file\/bafkrei\w+\?.*tensors=mel_80.*sig=/);
  const bytes = readFileSync(subsetPath);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
  assert.equal(Object.keys(header).filter((k) => k !== '__metadata__'), ['mel_80']);
  await page.locator('[data-testid=zarr-url]').click();
  const url = await page.locator('[data-testid=zarr-url-value]').inputValue();
  assert.match(url, /\/zarr\/s\/\d+\/[\w-]+\/[\w-]+\/bafkrei\w+\/$/);
  const zarray = await (await fetch(`${url}mel_80/.zarray`)).json();
  assert.equal(zarray.shape, [80, 201]);
  await page.locator('.tensor-row', { hasText: 'mel_80' }).first().locator('.tensor-check').uncheck();
  assert.ok(await page.locator('[data-testid=download-subset]').isDisabled());
  await shot('4b-formats');
});

test('a 1-D tensor is a line plot, an integer index a scalar', async () => {
  await page.fill('#search', 'test');
  await page.locator('.tensor-item', { hasText: 'test' }).first().click();
  await page.locator('[data-testid=tensor-title]', { hasText: 'test' }).waitFor();
  await page.locator('[data-testid=line-plot]').waitFor();
  assert.match(await text('[data-testid=values-table]'), /\+0\s+\+1[\s\S]*0\s+0\s+1\s+2\s+3\s+4\s+5\s+6\s+7\s+8\s+9/);
  await page.fill('#spec', '-3');
  await page.locator('[data-testid=scalar]', { hasText: '7' }).waitFor();
  assert.match(await text('#spec-status'), /I64 \[\] · 1 element/);
});

test('clearing the cache with the admin token brings the live stats to zero entries', async () => {
  await page.locator('[data-testid=cache-entries]').waitFor();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=cache-entries]')?.textContent) > 0);
  // Without a token the page says what is missing instead of sending the mutation.
  await page.fill('#admin-token', '');
  await page.click('#cache-clear');
  await page.locator('#cache-status', { hasText: 'Type the admin token first' }).waitFor();
  // A wrong token is refused by the server, in words.
  await page.fill('#admin-token', 'not-the-token');
  await page.click('#cache-clear');
  await page.locator('#cache-status .status-error', { hasText: /token/i }).waitFor();
  assert.ok(Number(await text('[data-testid=cache-entries]')) > 0);

  await page.fill('#admin-token', server.adminToken.token);
  // Warm maps the open tensor's file (test.npy); Evict on its row unmaps it.
  await page.click('#cache-warm');
  await page.locator('#cache-status', { hasText: 'Warmed test.npy' }).waitFor();
  const row = page.locator('.cache-file', { hasText: 'test.npy' });
  await row.waitFor();
  await row.locator('button', { hasText: 'Evict' }).click();
  await page.locator('#cache-status', { hasText: 'Evicted test.npy' }).waitFor();
  await row.waitFor({ state: 'detached' });
  assert.ok(Number(await text('[data-testid=cache-entries]')) > 0, 'mel_filters is still mapped');
  await page.click('#cache-clear');
  await page.locator('#cache-status', { hasText: 'Cache cleared: 0 entries' }).waitFor();
  await page.locator('[data-testid=cache-entries]', { hasText: /^0$/ }).waitFor();
  await page.locator('[data-testid=cache-mapped]', { hasText: /^0 B$/ }).waitFor();
  assert.is(server.cache.stats().entries, 0, 'the server cache is empty');
  const stored = await page.evaluate(() => ({ session: sessionStorage.getItem('ipfrs.adminToken'), local: localStorage.length }));
  assert.equal(stored, { session: server.adminToken.token, local: 0 }, 'the token is kept for the session only');
  await shot('5-cache-cleared');
});

test('a link to a view opens it; a link to a missing tensor says so in words', async () => {
  const cid = server.store.listTensors({ first: 1, filter: { namePrefix: 'mel_80' } }).items[0]!.cid;
  await page.goto(`${server.url}/#cid=${cid}&name=mel_80&spec=${encodeURIComponent('::-1, 3')}`);
  await page.locator('[data-testid=tensor-title]', { hasText: 'mel_80' }).waitFor();
  assert.is(await page.inputValue('#spec'), '::-1, 3');
  await page.locator('#spec-status[data-state=ok]', { hasText: 'F32 [80]' }).waitFor();
  await page.locator('[data-testid=line-plot]').waitFor();
  await page.goto(`${server.url}/#cid=${cid}&name=no-such-tensor`);
  await page.locator('#empty-state[role=alert], #empty-state .error-text', { hasText: 'No tensor "no-such-tensor"' }).waitFor();
  assert.ok(await page.locator('#tensor-view').isHidden());
  await page.goto(`${server.url}/#cid=not-a-cid&name=x`);
  await page.locator('#empty-state .error-text', { hasText: '"not-a-cid" is not a CID' }).waitFor();
  await shot('6-not-found');
});

test('no request left 127.0.0.1, and neither the page nor the server logged an error', () => {
  assert.equal(outside, [], 'requests outside 127.0.0.1');
  assert.equal(pageErrors, [], 'page errors');
  assert.equal(consoleErrors, [], 'console errors');
  assert.equal(serverErrors, [], 'server errors');
});

test.run();
