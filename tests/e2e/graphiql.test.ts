// GraphiQL in headless Chromium: it loads from the server alone (no request leaves 127.0.0.1), runs a tensors
// query and shows the result; a subscription runs from it too (CSRF prevention lets its requests through).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { requireTool } from '../helpers/tools.ts';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { fakeYoga, seedModel } from '../helpers/graphql-services.ts';

const CHROMIUM = process.env.IPFRS_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const { yoga, store, cache } = fakeYoga();
let cid: string;
let server: Server;
let origin: string;
let browser: Browser;

beforeAll(test, async () => {
  cid = seedModel(store).cid;
  server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  requireTool('chromium', CHROMIUM, 'apt-get install chromium, or set IPFRS_CHROMIUM');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    // Chromium's own background traffic (updates, safe browsing) cannot leave this machine; turn it off.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
});

test.after(async () => {
  await browser?.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('GraphiQL at /graphql loads offline, runs the tensors query and shows the result', async () => {
  const page = await browser.newPage();
  const outside: string[] = [];
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (/^(https?|wss?):$/.test(url.protocol) && url.host !== new URL(origin).host) {
      outside.push(url.href);
      return route.abort();
    }
    return route.continue();
  });
  const graphql: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(`${origin}/graphql`) && request.method() === 'POST') graphql.push(request.postData() ?? '');
  });
  await page.goto(`${origin}/graphql`, { waitUntil: 'load' });
  assert.is(await page.title(), 'ipfrs GraphiQL');
  await page.getByText('FirstTensors').first().waitFor();
  await page.locator('.graphiql-execute-button').click();
  // The result editor renders only the lines in view: the first tensor ('big', in name order) is among them.
  await page.locator('.graphiql-response', { hasText: '"totalCount": 5' }).waitFor();
  const text = (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, ' ');
  assert.match(text, /"cid": "?bafkrei/, text);
  assert.match(text, /"name": "big"/, text);
  assert.ok(graphql.some((body) => body.includes('FirstTensors')), 'the query went to the server');
  assert.equal(outside, [], 'no request left 127.0.0.1');
  await page.close();
});

test('a subscription runs from GraphiQL (its requests carry the CSRF header) and shows live stats', async () => {
  const page = await browser.newPage();
  const query = 'subscription Live { cacheStats(intervalMs: 100) { entries misses } }';
  await page.goto(`${origin}/graphql?query=${encodeURIComponent(query)}`, { waitUntil: 'load' });
  await page.getByText('Live').first().waitFor();
  cache.clear();
  await page.locator('.graphiql-execute-button').click();
  await page.locator('.graphiql-response', { hasText: '"entries": 0' }).waitFor();
  cache.touch(cid);
  await page.locator('.graphiql-response', { hasText: '"entries": 1' }).waitFor();
  await page.close();
});

test.run();
