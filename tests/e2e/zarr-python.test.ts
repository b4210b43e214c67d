// The Zarr view read by zarr-python (Debian's python3-zarr) over fsspec's HTTP store (python3-fsspec, aiohttp),
// through a signed prefix: slices of every dtype, 0-d and empty arrays, a nested name, edge chunks, a
// column-major and a big-endian .npy, all equal to numpy's own indexing of the source files; then the plain path
// with a bearer read token on a live server (src/server.ts: the access model, the download lane).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { startServer } from '../../src/server.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { signZarrPrefix } from '../../src/http/zarr.ts';
import { DTYPES } from '../../src/tensor/dtype.ts';
import { startRoute, type RouteServer } from '../helpers/download-server.ts';
import { makeFormatFiles, type FormatFiles } from '../helpers/format-files.ts';
import { checkFormats } from '../helpers/python.ts';


let files: FormatFiles;
let server: RouteServer;

test.before(async () => {
  files = await makeFormatFiles();
  server = await startRoute(files as never);
});

test.after(async () => {
  await server.close();
  files.close();
});

function cases() {
  const all = { path: files.all.path };
  const specs = ['', '1:4, ::-1', '::-2, 1', '-1', '..., 2'];
  const out: Array<{ array: string; source: { path: string; name?: string }; specs: string[] }> = DTYPES.map((dtype) => ({ array: dtype, source: { ...all, name: dtype }, specs }));
  out.push({ array: 's', source: { ...all, name: 's' }, specs: ['', '...'] });
  out.push({ array: 'e', source: { ...all, name: 'e' }, specs: ['', ':, 1:3'] });
  out.push({ array: 'big', source: { ...all, name: 'big' }, specs: ['', '510:515, ::97', '::-7, -3', '699', '600:, 2047'] });
  out.push({ array: 'enc/k', source: { ...all, name: 'enc/k' }, specs: ['', '::-1'] });
  return out;
}

for (const consolidated of [false, true]) {
  test(`zarr.${consolidated ? 'open_consolidated' : 'open'} over HTTP: every dtype and shape equals numpy`, async () => {
    const prefix = signZarrPrefix(files.all.record.cid, { ring: server.ring, expiresIn: 600 });
    const results = await checkFormats({ mode: 'zarr', url: `${server.url}${prefix.url}`, consolidated, cases: cases() });
    assert.ok(results.length > 80, `${results.length} cases`);
    const failed = results.filter((r) => !r.ok);
    assert.equal(failed, [], failed.map((r) => r.detail).join('\n'));
  });
}

test('a column-major and a big-endian .npy: order F and >i4 as stored, read right', async () => {
  const job = (record: { cid: string }, path: string, specs: string[]) => {
    const name = files.store.tensorsOf(record.cid)[0]!.name;
    const prefix = signZarrPrefix(record.cid, { ring: server.ring, expiresIn: 600 });
    return { mode: 'zarr', url: `${server.url}${prefix.url}`, cases: [{ array: name, source: { path }, specs }] };
  };
  for (const results of [
    await checkFormats(job(files.fortran.record, files.fortran.path, ['', '::-5, 510:515', '2047, :', ':, 599', '100:120, ::-1'])),
    await checkFormats(job(files.bigEndian.record, files.bigEndian.path, ['', '::-1, 2:5', '3'])),
  ]) {
    const failed = results.filter((r) => !r.ok);
    assert.ok(results.length > 0);
    assert.equal(failed, [], failed.map((r) => r.detail).join('\n'));
  }
});

test('the group: .zattrs is the file metadata; an unsigned or tampered prefix is refused', async () => {
  const cid = files.all.record.cid;
  const prefix = signZarrPrefix(cid, { ring: server.ring, expiresIn: 600 });
  const attrs = await fetch(`${server.url}${prefix.url}.zattrs`);
  assert.is(attrs.status, 200);
  assert.equal(await attrs.json(), files.all.metadata);
  assert.is((await fetch(`${server.url}/zarr/${cid}/.zgroup`)).status, 403);
  const tampered = prefix.url.replace(cid, files.fortran.record.cid);
  assert.is((await fetch(`${server.url}${tampered}.zgroup`)).status, 403);
});

test('the plain /zarr/<cid>/ path with a bearer read token: zarr-python sends it with every key; no token, a bad one or a revoked one is refused', async () => {
  const live = await startServer({ storeRoot: join(files.dir.path, 'store'), port: 0, grpcPort: 0, logger: silentLogger });
  try {
    const admin = { authorization: `Bearer ${live.adminToken.token}`, 'content-type': 'application/json' };
    const graphql = async (query: string) => (await (await fetch(`${live.url}/graphql`, { method: 'POST', headers: admin, body: JSON.stringify({ query }) })).json()) as { data: Record<string, any> };
    const created = (await graphql('mutation { createToken(scope: READ, name: "zarr-reader") { ... on CreatedToken { secret token { id } } } }')).data.createToken;
    const read = { authorization: `Bearer ${created.secret as string}` };
    const cid = files.all.record.cid;
    const plain = `${live.url}/zarr/${cid}/`;
    const results = await checkFormats({ mode: 'zarr', url: plain, headers: read, consolidated: false, cases: [{ array: 'big', source: { path: files.all.path, name: 'big' }, specs: ['', '510:515, ::97', '::-7, -3'] }, { array: 'enc/k', source: { path: files.all.path, name: 'enc/k' }, specs: [''] }] });
    assert.ok(results.length === 4, `${results.length} cases`);
    assert.equal(results.filter((r) => !r.ok), []);
    // Each key on its own too, with the answer a token gets (private: not for shared caches).
    const chunk = await fetch(`${plain}big/0.0`, { headers: read });
    assert.is(chunk.status, 200);
    assert.is(chunk.headers.get('cache-control'), 'private, max-age=3600');
    assert.is((await chunk.arrayBuffer()).byteLength, 512 * 2048 * 4);
    for (const [headers, why] of [[{}, 'no token'], [{ authorization: 'Bearer ipfrs_wrong' }, 'a wrong token']] as const) {
      const refused = await fetch(`${plain}big/0.0`, { headers });
      assert.is(refused.status, 403, why);
      await refused.arrayBuffer();
    }
    const revoked = (await graphql(`mutation { revokeToken(id: "${created.token.id as string}") { __typename } }`)).data.revokeToken;
    assert.is(revoked.__typename, 'RevokeTokenPayload');
    // Revocation is seen within a second (ARCHITECTURE.md section 9), by a key served before from the memos.
    let status = 200;
    for (let i = 0; i < 30 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const again = await fetch(`${plain}big/0.0`, { headers: read });
      status = again.status;
      await again.arrayBuffer();
    }
    assert.is(status, 403, 'a revoked token is refused');
  } finally {
    await live.close();
  }
});

test.run();
