// The playground page at `/`: playground/index.html and styles.css as they are, and playground/src/main.ts
// bundled in-process by esbuild once when the handler is created (kept in memory), so `npm start` serves it with no
// build step. The handler answers its own paths and returns false for everything else, for the server to route.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export interface PlaygroundOptions {
  /** Where the page sends GraphQL requests; default `/graphql`. */
  graphqlPath?: string;
  /** The playground folder; default the package's playground/. */
  dir?: string;
  /** Minify the bundle; default true. */
  minify?: boolean;
  logger?: { info(msg: string, fields?: Record<string, unknown>): void; error(msg: string, fields?: Record<string, unknown>): void };
}

export type PlaygroundHandler = ((req: IncomingMessage, res: ServerResponse) => boolean) & {
  /** Settles when the page is built (or its build failed and an error page is served instead). */
  ready: Promise<void>;
};

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
  status: number;
}

const DEFAULT_DIR = fileURLToPath(new URL('../../playground/', import.meta.url));
export const SCRIPT_PATH = '/playground/app.js';
export const STYLE_PATH = '/playground/styles.css';

// Everything the page loads comes from this server: no CDN, no outside fonts, no inline script. Downloads are
// navigations (not governed by connect-src), so signed links on another public origin still work.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function createPlaygroundHandler(options: PlaygroundOptions = {}): PlaygroundHandler {
  const dir = options.dir ?? DEFAULT_DIR;
  const graphqlPath = options.graphqlPath ?? '/graphql';
  let assets: Map<string, Asset> | null = null;
  const started = Date.now();
  const ready = cachedBuild(dir, graphqlPath, options.minify ?? true).then(
    (built) => {
      assets = built;
      options.logger?.info('playground: built', { ms: Date.now() - started, bytes: built.get(SCRIPT_PATH)?.body.byteLength });
    },
    (error: unknown) => {
      options.logger?.error('playground: build failed', { error });
      assets = failedAssets(error, graphqlPath);
    },
  );

  const handler = ((req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?')[0]!;
    const key = path === '/' || path === '/index.html' ? '/' : path;
    if (key !== '/' && key !== SCRIPT_PATH && key !== STYLE_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method Not Allowed: the playground answers GET and HEAD\n');
      return true;
    }
    if (assets) send(req, res, assets.get(key)!);
    else void ready.then(() => send(req, res, assets!.get(key)!));
    return true;
  }) as PlaygroundHandler;
  handler.ready = ready;
  return handler;
}

function send(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = {
    'content-type': asset.type,
    etag: asset.etag,
    // Revalidate every time: a restarted server may serve a new bundle under the same path.
    'cache-control': 'no-cache',
    vary: 'Accept-Encoding',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (asset.type.startsWith('text/html')) {
    headers['content-security-policy'] = CSP;
    headers['x-frame-options'] = 'DENY';
  }
  if (asset.status === 200 && req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && asset.gzip.byteLength < asset.body.byteLength;
  const body = gzip ? asset.gzip : asset.body;
  if (gzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = String(body.byteLength);
  res.writeHead(asset.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function asset(type: string, content: string | Uint8Array, status = 200): Asset {
  const body = Buffer.from(content);
  return { type, body, gzip: gzipSync(body), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, status };
}

/** One build per process and settings: servers started side by side (tests, benchmarks) share it. */
const builds = new Map<string, Promise<Map<string, Asset>>>();

function cachedBuild(dir: string, graphqlPath: string, minify: boolean): Promise<Map<string, Asset>> {
  const key = JSON.stringify([dir, graphqlPath, minify]);
  let pending = builds.get(key);
  if (!pending) {
    pending = buildAssets(dir, graphqlPath, minify);
    // A failed build is not kept: the next server tries again.
    pending.catch(() => builds.delete(key));
    builds.set(key, pending);
  }
  return pending;
}

async function buildAssets(dir: string, graphqlPath: string, minify: boolean): Promise<Map<string, Asset>> {
  const [html, css, bundle] = await Promise.all([
    readFile(join(dir, 'index.html'), 'utf8'),
    readFile(join(dir, 'styles.css'), 'utf8'),
    build({
      entryPoints: [join(dir, 'src', 'main.ts')],
      tsconfig: join(dir, 'tsconfig.json'),
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: ['es2022'],
      minify,
      legalComments: 'none',
      charset: 'utf8',
      logLevel: 'silent',
    }),
  ]);
  const script = asset('text/javascript; charset=utf-8', bundle.outputFiles[0]!.contents);
  const style = asset('text/css; charset=utf-8', css);
  // The asset links carry their hash, so a browser never runs an old bundle against a new page.
  const page = html
    .replaceAll(`"${SCRIPT_PATH}"`, `"${SCRIPT_PATH}?v=${script.etag.slice(1, 11)}"`)
    .replaceAll(`"${STYLE_PATH}"`, `"${STYLE_PATH}?v=${style.etag.slice(1, 11)}"`)
    .replaceAll('"/graphql"', JSON.stringify(escapeHtml(graphqlPath)));
  return new Map([
    ['/', asset('text/html; charset=utf-8', page)],
    [SCRIPT_PATH, script],
    [STYLE_PATH, style],
  ]);
}

/** A page that says what failed instead of a blank one; GraphQL itself still works. */
function failedAssets(error: unknown, graphqlPath: string): Map<string, Asset> {
  const message = escapeHtml(error instanceof Error ? error.message : String(error));
  const link = escapeHtml(graphqlPath);
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ipfrs playground unavailable</title></head>
<body><h1>The playground could not be built</h1>
<p>The server is running, but the page's script failed to build. The GraphQL API and GraphiQL work at
<a href="${link}">${link}</a>.</p><pre>${message}</pre></body></html>\n`;
  const script = `document.body&&(document.body.textContent=${JSON.stringify(`The playground could not be built: ${String((error as Error)?.message ?? error)}`)});\n`;
  return new Map([
    ['/', asset('text/html; charset=utf-8', page, 503)],
    [SCRIPT_PATH, asset('text/javascript; charset=utf-8', script, 503)],
    [STYLE_PATH, asset('text/css; charset=utf-8', '', 503)],
  ]);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
