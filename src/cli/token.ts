// `ipfrs token create|ls|revoke`: the store's API tokens (src/auth). A running server sees the change within 1 s.
import { isScope } from '../auth/scopes.ts';
import { TokenStore } from '../auth/token-store.ts';
import type { TokenInfo } from '../auth/tokens.ts';
import { parseDuration, resolveStoreRoot, UsageError } from '../config.ts';
import { parse, println, requireOne, type CliIo, type Command } from './common.ts';
import { table } from './output.ts';

export const token: Command = {
  async run(args, io) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'create':
        return create(rest, io);
      case 'ls':
      case 'list':
        return list(rest, io);
      case 'revoke':
        return revoke(rest, io);
      default:
        throw new UsageError('expected create, ls or revoke (see `ipfrs token --help`)');
    }
  },
};

function open(flag: string | undefined, io: CliIo): TokenStore {
  return TokenStore.open(resolveStoreRoot(flag, io.env, io.cwd));
}

function create(args: string[], io: CliIo): number {
  const { values } = parse(args, { store: { type: 'string' }, scope: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' }, json: { type: 'boolean' } }, false);
  if (values.scope === undefined) throw new UsageError('--scope is required: read, write or admin');
  if (!isScope(values.scope)) throw new UsageError(`--scope must be read, write or admin, not ${JSON.stringify(values.scope)}`);
  const expiresIn = values.expires === undefined ? null : parseDuration(values.expires);
  if (expiresIn === 0) throw new UsageError('--expires must be above 0 (leave it out for a token that does not expire)');
  const tokens = open(values.store, io);
  try {
    const { secret, token: info } = tokens.create({ scope: values.scope, name: values.name ?? null, expiresIn });
    if (values.json) println(io.stdout, JSON.stringify({ token: secret, ...view(info) }));
    else {
      println(io.stdout, secret);
      io.stderr.write(`created token ${info.name} (id ${info.id}, scope ${info.scope}${info.expires === null ? '' : `, expires ${new Date(info.expires).toISOString()}`}): shown this once, the store keeps only its SHA-256 digest\n`);
    }
    return 0;
  } finally {
    tokens.close();
  }
}

function list(args: string[], io: CliIo): number {
  const { values } = parse(args, { store: { type: 'string' }, json: { type: 'boolean' } }, false);
  const tokens = open(values.store, io);
  try {
    const all = tokens.list();
    if (values.json) {
      println(io.stdout, JSON.stringify(all.map(view)));
      return 0;
    }
    const date = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));
    const rows = [['ID', 'NAME', 'SCOPE', 'CREATED', 'EXPIRES', 'LAST USED']];
    for (const t of all) rows.push([t.id, t.name, t.scope, date(t.created), t.expires !== null && t.expires <= Date.now() ? `${date(t.expires)} (expired)` : date(t.expires), date(t.lastUsed)]);
    println(io.stdout, table(rows));
    return 0;
  } finally {
    tokens.close();
  }
}

function revoke(args: string[], io: CliIo): number {
  const { values, positionals } = parse(args, { store: { type: 'string' } });
  const which = requireOne(positionals, 'token id or name');
  const tokens = open(values.store, io);
  try {
    const info = tokens.revoke(which);
    println(io.stdout, `revoked ${info.name} (id ${info.id})`);
    return 0;
  } finally {
    tokens.close();
  }
}

function view(info: TokenInfo) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return { id: info.id, name: info.name, scope: info.scope, created: iso(info.created), expires: iso(info.expires), lastUsed: iso(info.lastUsed), expired: info.expires !== null && info.expires <= Date.now() };
}
