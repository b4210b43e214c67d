// `ipfrs token create|ls|revoke` (src/cli/token.ts): the secret printed once, listing without it, usage errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../../src/devkit/paths.ts';

const dir = tempDir();
const token = (...args: string[]) => runCli(['token', ...args, '--store', dir.path]);

test.after(() => dir.cleanup());

test('create prints the secret alone on stdout (or with its record as --json); ls and revoke by name or id', async () => {
  const created = await token('create', '--scope', 'write', '--name', 'ci', '--expires', '30d');
  assert.is(created.code, 0);
  const secret = created.stdout.toString().trim();
  assert.match(secret, /^ipfrs_[\w-]{43}$/);
  assert.match(created.stderr, /created token ci \(id [0-9a-f]{16}, scope write, expires /);
  const json = await token('create', '--scope', 'read', '--json');
  const record = JSON.parse(json.stdout.toString()) as { token: string; id: string; name: string; scope: string; expires: string | null };
  assert.equal([record.scope, record.expires, record.name], ['read', null, `token-${record.id.slice(0, 8)}`]);
  const ls = await token('ls');
  assert.match(ls.stdout.toString(), /^ID\s+NAME\s+SCOPE\s+CREATED\s+EXPIRES\s+LAST USED$/m);
  assert.match(ls.stdout.toString(), /\bci\s+write\b/);
  assert.not.ok(ls.stdout.toString().includes(secret.slice(6)) || ls.stdout.toString().includes(record.token.slice(6)));
  const listed = JSON.parse((await token('ls', '--json')).stdout.toString()) as Array<{ name: string }>;
  assert.equal(listed.map((t) => t.name), ['ci', record.name]);
  assert.is((await token('revoke', 'ci')).code, 0);
  assert.is((await token('revoke', record.id)).code, 0);
  const again = await token('revoke', 'ci');
  assert.is(again.code, 1);
  assert.match(again.stderr, /no token with id or name "ci"/);
});

test('bad arguments are usage errors (exit 2) with one line', async () => {
  for (const [args, message] of [
    [['create'], /--scope is required/],
    [['create', '--scope', 'root'], /--scope must be read, write or admin/],
    [['create', '--scope', 'read', '--expires', 'soon'], /invalid duration/],
    [['create', '--scope', 'read', '--expires', '0'], /--expires must be above 0/],
    [['frobnicate'], /expected create, ls or revoke/],
    [['revoke'], /expected one token id or name/],
  ] as Array<[string[], RegExp]>) {
    const result = await token(...args);
    assert.is(result.code, 2, args.join(' '));
    assert.match(result.stderr, message);
  }
  const named = await token('create', '--scope', 'read', '--name', 'bad name');
  assert.is(named.code, 1);
  assert.match(named.stderr, /name must be 1-64 letters/);
});

test.run();
