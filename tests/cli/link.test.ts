// ipfrs link for the formats other tools read: --format arrow|safetensors, --tensors (a subset) and --zarr (the
// signed prefix); each length is what ipfrs cat writes for the same request.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { makeFormatFiles, type FormatFiles } from '../helpers/format-files.ts';

let files: FormatFiles;
let store: string;

test.before(async () => {
  files = await makeFormatFiles();
  store = join(files.dir.path, 'store');
});

test.after(() => files.close());

async function link(args: string[]) {
  const out = await runCli(['link', '--store', store, files.all.record.cid, '--json', ...args]);
  assert.is(out.code, 0, out.stderr);
  return JSON.parse(out.stdout.toString()) as { url: string; byteLength: number | null };
}

async function catLength(args: string[]): Promise<number> {
  const out = await runCli(['cat', '--store', store, files.all.record.cid, ...args]);
  assert.is(out.code, 0, out.stderr);
  return out.stdout.byteLength;
}

test('--format arrow and safetensors: the link says the length cat writes', async () => {
  for (const [format, slice] of [['arrow', '::-3, 7'], ['safetensors', '1:9'], ['arrow', '']] as const) {
    const args = ['--tensor', 'big', '--format', format, ...(slice ? ['--slice', slice] : [])];
    const linked = await link(args);
    assert.match(linked.url, new RegExp(`format=${format}`));
    assert.is(linked.byteLength, await catLength(args), `${format} ${slice}`);
  }
});

test('--tensors links to /v1/file/<cid>?tensors=..; --zarr to the signed prefix', async () => {
  const subset = await link(['--tensors', 'enc/k,s,BF16']);
  assert.match(subset.url, /^http:\/\/127\.0\.0\.1:8080\/v1\/file\/bafkrei\w+\?exp=\d+&kid=[\w-]+&tensors=enc%2Fk%2Cs%2CBF16&sig=/);
  assert.is(subset.byteLength, await catLength(['--tensors', 'enc/k,s,BF16']));
  const zarr = await link(['--zarr', '--base', 'https://tensors.example.com/store']);
  assert.match(zarr.url, /^https:\/\/tensors\.example\.com\/store\/zarr\/s\/\d+\/[\w-]+\/[\w-]{43}\/bafkrei\w+\/$/);
  const mixed = await runCli(['link', '--store', store, files.all.record.cid, '--zarr', '--tensor', 'big']);
  assert.is(mixed.code, 2);
});

test.run();
