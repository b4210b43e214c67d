// graphql-http's GraphQL-over-HTTP audit against the live server (src/server.ts on a socket, real services): every
// audit, MUST, SHOULD and MAY alike, must come back ok, as it does for a plain graphql-yoga server. CSRF prevention
// stays on: like any script (and unlike a cross-site browser page) the auditor sends the CSRF header.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { join } from 'node:path';
import { auditServer } from 'graphql-http';
import { CSRF_HEADER } from '../../src/graphql/yoga.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { tempDir } from '../../src/devkit/paths.ts';

const dir = tempDir();
let server: RunningServer;

beforeAll(test, async () => {
  server = await startServer({ storeRoot: join(dir.path, 'store'), port: 0, logger: silentLogger, seedDemo: true });
});

test.after(async () => {
  await server?.close();
  dir.cleanup();
});

test('graphql-http auditServer: all 61 audits ok', async () => {
  const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set(CSRF_HEADER, '1');
    return fetch(input, { ...init, headers });
  };
  const results = await auditServer({ url: `${server.url}/graphql`, fetchFn });
  const notOk = results.filter((r) => r.status !== 'ok').map((r) => `${r.id} ${r.name}: ${r.status} ${'reason' in r ? r.reason : ''}`);
  assert.equal(notOk, []);
  assert.is(results.length, 61);
});

test.run();
