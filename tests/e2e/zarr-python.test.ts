// The Zarr view read by zarr-python (Debian's python3-zarr) over fsspec's HTTP store (python3-fsspec, aiohttp),
// through a signed prefix: slices of every dtype, 0-d and empty arrays, a nested name, edge chunks, a
// column-major and a big-endian .npy, all equal to numpy's own indexing of the source files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
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

test.run();
