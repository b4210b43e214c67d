// Browsers against the access model, in headless Chromium: from an allowed origin (--cors-origin), urql with its
// default options (queries by GET), Apollo Client with its preflight header, graphql-request and an EventSource
// subscription all work; a page from another origin cannot read /graphql answers. And the playground on a
// --private server asks for a token, then shows the store.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { prng, safetensorsFile } from '../../src/devkit/stress/data.ts';
import { REPO } from '../../src/devkit/paths.ts';
import { beforeAll } from '../helpers/hooks.ts';
import { requireTool } from '../helpers/tools.ts';

const CHROMIUM = process.env.IPFRS_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

// The clients, bundled for the page as an app would bundle them.
const CLIENTS = `
import { Client, fetchExchange } from '@urql/core';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { request } from 'graphql-request';
const QUERY = '{ cacheStats { entries } }';
window.clients = {
  async urql(url) {
    const client = new Client({ url, exchanges: [fetchExchange] });
    const result = await client.query(QUERY, {}).toPromise();
    if (result.error) throw new Error(String(result.error));
    return result.data.cacheStats.entries;
  },
  async apollo(url) {
    const client = new ApolloClient({ link: new HttpLink({ uri: url, headers: { 'apollo-require-preflight': 'true' } }), cache: new InMemoryCache() });
    const result = await client.query({ query: gql(QUERY), fetchPolicy: 'no-cache' });
    return result.data.cacheStats.entries;
  },
  async graphqlRequest(url) {
    return (await request(url, QUERY)).cacheStats.entries;
  },
  eventSource(url) {
    return new Promise((resolve, reject) => {
      const source = new EventSource(url + '?query=' + encodeURIComponent('subscription { cacheStats(intervalMs: 100) { entries } }'));
      const timer = setTimeout(() => { source.close(); reject(new Error('no event within 5 s')); }, 5000);
      source.addEventListener('next', (event) => { clearTimeout(timer); source.close(); resolve(JSON.parse(event.data).data.cacheStats.entries); });
      source.onerror = () => { clearTimeout(timer); source.close(); reject(new Error('EventSource failed')); };
    });
  },
  async readGet(url) {
    const response = await fetch(url + '?query=' + encodeURIComponent(QUERY));
    return await response.text();
  },
};
`;

let bundle = '';
let browser: Browser;
let api: RunningServer;
let privateApi: RunningServer;
let allowed: Server;
let other: Server;
let storeRoot: string;

function pageServer(): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/clients.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(bundle);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>app</title><script src="/clients.js"></script>');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const originOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function openPage(origin: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => 'clients' in window);
  return page;
}

async function call(page: Page, client: string, url: string): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  return page.evaluate(
    async ([name, target]) => {
      try {
        return { ok: true as const, value: await (window as unknown as { clients: Record<string, (u: string) => Promise<unknown>> }).clients[name!]!(target!) };
      } catch (error) {
        return { ok: false as const, error: String(error) };
      }
    },
    [client, url],
  );
}

beforeAll(test, async () => {
  requireTool('chromium', CHROMIUM, 'apt-get install chromium, or set IPFRS_CHROMIUM');
  const built = await build({ stdin: { contents: CLIENTS, resolveDir: REPO, loader: 'js' }, bundle: true, write: false, format: 'iife', platform: 'browser', logLevel: 'silent' });
  bundle = built.outputFiles[0]!.text;
  storeRoot = mkdtempSync(join(tmpdir(), 'ipfrs-browser-access-'));
  const store = TensorStore.open(storeRoot);
  await store.add((async function* () {
    yield safetensorsFile('m.safetensors', [{ name: 'w', dtype: 'F32', shape: [8, 8] }], prng(3)).bytes;
  })(), { name: 'm.safetensors' });
  store.close();
  allowed = await pageServer();
  other = await pageServer();
  api = await startServer({ storeRoot, port: 0, logger: silentLogger, corsOrigins: [originOf(allowed)] });
  privateApi = await startServer({ storeRoot, port: 0, logger: silentLogger, privateMode: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});

test.after(async () => {
  await browser?.close();
  await Promise.all([api?.close(), privateApi?.close()]);
  allowed?.close();
  other?.close();
  rmSync(storeRoot, { recursive: true, force: true });
});

test('from an allowed origin: urql (GET by default), Apollo (with apollo-require-preflight), graphql-request and an EventSource all work', async () => {
  const page = await openPage(originOf(allowed));
  const methods: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(`${api.url}/graphql`)) methods.push(`${r.method()} ${r.headers()['accept'] ?? ''}`);
  });
  try {
    for (const client of ['urql', 'apollo', 'graphqlRequest', 'eventSource']) {
      const result = await call(page, client, `${api.url}/graphql`);
      assert.ok(result.ok, `${client}: ${result.ok ? '' : result.error}`);
      assert.type(result.ok && result.value, 'number', client);
    }
    assert.ok(methods[0]!.startsWith('GET '), `urql queried by ${methods[0]}`);
    assert.ok(methods.some((m) => m.startsWith('GET ') && m.includes('text/event-stream')), 'the EventSource subscribed by GET');
  } finally {
    await page.close();
  }
});

test('from another origin: no client can read /graphql answers', async () => {
  const page = await openPage(originOf(other));
  try {
    for (const client of ['urql', 'apollo', 'graphqlRequest', 'eventSource', 'readGet']) {
      const result = await call(page, client, `${api.url}/graphql`);
      assert.not.ok(result.ok, `${client} read an answer from another origin: ${JSON.stringify(result)}`);
    }
  } finally {
    await page.close();
  }
});

test('the playground on a --private server asks for a token, then shows the store', async () => {
  const { secret } = privateApi.tokens.create({ scope: 'read', name: 'browser' });
  const page = await browser.newPage();
  const asked: string[] = [];
  page.on('dialog', (dialog) => {
    asked.push(dialog.message());
    void dialog.accept(secret);
  });
  try {
    await page.goto(`${privateApi.url}/`);
    await page.locator('.tensor-item').first().waitFor({ timeout: 15_000 });
    assert.ok(asked.length >= 1, 'a token was asked for');
    assert.match(asked[0]!, /private/);
    assert.ok(!asked.some((m) => m.includes(secret)));
  } finally {
    await page.close();
  }
});

test.run();
