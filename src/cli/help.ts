// What `ipfrs --help` and `ipfrs --version` need, and nothing else: the commands' names, summaries and usage, and
// where each one's code is. A command's module (and what it pulls in: the store, the addon, GraphQL, the server)
// is loaded only when that command runs, so `ipfrs --version` starts in about the time of `node -e 0`.
import { readFileSync } from 'node:fs';
import type { Command } from './common.ts';

export interface CommandEntry {
  summary: string;
  usage: string;
  load(): Promise<Command>;
}

export const commands: Record<string, CommandEntry> = {
  serve: {
    summary: 'serve GraphQL (/graphql), downloads (/v1/...), /healthz, /readyz, /metrics, the playground (/) and gRPC (:8081)',
    usage:
      'ipfrs serve [--host 127.0.0.1] [--port 8080] [--grpc-port 8081 (0: off)] [--workers N|auto] [--public] [--inline-limit 64k] [--public-url URL] ' +
      '[--cache-entries 1024] [--cache-bytes SIZE] [--no-demo] [--log-level info] [--ipfs-gateway] [--peer URL...] [--private] [--rate-limit N] [--trust-proxy] ' +
      '[--max-upload 64g] [--cors-origin ORIGIN]... [--clock-skew 30s] [--max-connections 4096] [--max-connections-per-client 256]   ' +
      '(with --workers, --rate-limit and --max-connections bound each worker)',
    load: async () => (await import('./serve.ts')).serve,
  },
  add: {
    summary: 'add tensor files to the store and print their CIDs',
    usage: 'ipfrs add FILE... [--dtype DTYPE --shape 2,3] [--json]   |   ipfrs add ipfs://CID... --from URL [--from URL...]',
    load: async () => (await import('./add.ts')).add,
  },
  ls: {
    summary: 'list stored files, or tensors with --tensors',
    usage: 'ipfrs ls [--tensors [--prefix NAME] [--dtype DTYPE] [--cid CID]] [--json]',
    load: async () => (await import('./ls.ts')).ls,
  },
  info: {
    summary: 'show a file: format, size, metadata and its tensors',
    usage: 'ipfrs info CID [--json]   (CID: the file\'s own or its UnixFS root)',
    load: async () => (await import('./info.ts')).info,
  },
  cat: {
    summary: 'write a file, a byte range, a tensor or a slice to stdout',
    usage: 'ipfrs cat CID [--range START-END] [--tensor NAME] [--slice SPEC] [--format raw|npy|arrow|safetensors] | ipfrs cat CID --tensors A,B > part.safetensors',
    load: async () => (await import('./cat.ts')).cat,
  },
  link: {
    summary: 'print a signed download URL for a file, a tensor or a slice',
    usage: 'ipfrs link CID [--tensor NAME] [--slice SPEC] [--format raw|npy|arrow|safetensors] | [--tensors A,B] | [--zarr] [--expires 15m] [--clock-skew 30s] [--base http://127.0.0.1:8080] [--json]',
    load: async () => (await import('./link.ts')).link,
  },
  rm: {
    summary: 'remove files from the store',
    usage: 'ipfrs rm CID...',
    load: async () => (await import('./rm.ts')).rm,
  },
  verify: {
    summary: 're-hash every object and report corrupt ones (exit 1 if any)',
    usage: 'ipfrs verify [--json]',
    load: async () => (await import('./verify.ts')).verify,
  },
  token: {
    summary: 'create, list and revoke API tokens (read < write < admin)',
    usage: ['ipfrs token create --scope read|write|admin [--name NAME] [--expires 30d] [--json]', '       ipfrs token ls [--json]', '       ipfrs token revoke ID|NAME'].join('\n'),
    load: async () => (await import('./token.ts')).token,
  },
};

export function helpText(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: ipfrs <command> [options]',
    '       ipfrs --version',
    '',
    ...lines,
    '',
    'Every command takes --store DIR (default: $IPFRS_HOME, else ./.ipfrs).',
    'Run `ipfrs <command> --help` for its options.',
  ].join('\n');
}

/** The package's version; src/cli/ and dist/cli/ are both two levels below package.json. */
export function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
