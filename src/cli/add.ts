import { isDType } from '../tensor/dtype.ts';
import { parseShape, UsageError } from '../config.ts';
import { openStore, parse, println, storeOption, type Command } from './common.ts';
import { fetchProgress } from './progress.ts';

export const add: Command = {
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...storeOption,
      dtype: { type: 'string' },
      shape: { type: 'string' },
      json: { type: 'boolean' },
      from: { type: 'string', multiple: true },
    });
    if (positionals.length === 0) throw new UsageError('give at least one file to add');
    const remote = positionals.filter((p) => p.startsWith('ipfs://'));
    if (remote.length > 0) {
      if (remote.length !== positionals.length) throw new UsageError('give either files or ipfs://CID, not both');
      if (values.dtype !== undefined || values.shape !== undefined) throw new UsageError('--dtype and --shape are for files; a fetched file keeps what its bytes say');
      const peers = values.from ?? [];
      if (peers.length === 0) throw new UsageError('ipfs://CID needs --from URL: a peer gateway (another ipfrs, kubo, rainbow)');
      for (const peer of peers) if (!/^https?:\/\/[^/?#\s]+\/?$/.test(peer)) throw new UsageError(`--from must be a gateway origin such as http://10.0.0.2:8080, not ${JSON.stringify(peer)}`);
      return addFromPeers(remote.map((p) => p.slice('ipfs://'.length).replace(/\/+$/, '')), peers, values, io);
    }
    if (values.from !== undefined) throw new UsageError('--from is for ipfs://CID');
    const dtype = values.dtype?.toUpperCase();
    if (dtype !== undefined && !isDType(dtype)) throw new UsageError(`unknown dtype ${values.dtype}`);
    if ((dtype === undefined) !== (values.shape === undefined)) throw new UsageError('raw bytes need both --dtype and --shape');
    const shape = values.shape === undefined ? undefined : parseShape(values.shape);
    const store = openStore(values.store, io);
    try {
      for (const path of positionals) {
        const { file, created } = await store.add(path, { dtype: dtype as never, shape });
        if (values.json) println(io.stdout, JSON.stringify({ ...file, created, path }));
        else println(io.stdout, `${file.cid}  ${file.tensorCount} tensor${file.tensorCount === 1 ? '' : 's'}  ${file.format}  ${path}${created ? '' : '  (already stored)'}`);
      }
    } finally {
      store.close();
    }
    return 0;
  },
};

/** `ipfrs add ipfs://CID --from URL`: fetched, verified block by block, and stored atomically. */
async function addFromPeers(cids: string[], peers: string[], values: { store?: string; json?: boolean }, io: Parameters<Command['run']>[1]): Promise<number> {
  const { PeerFetcher } = await import('../ipfs/peers.ts');
  const store = openStore(values.store, io);
  try {
    const fetcher = new PeerFetcher(store, peers);
    for (const cid of cids) {
      const progress = fetchProgress(io.stderr);
      try {
        const file = await fetcher.fetch(cid, { onProgress: progress.update });
        progress.done();
        const ipfsCid = store.ipfsCidOf(file.cid);
        if (values.json) println(io.stdout, JSON.stringify({ ...file, ipfsCid }));
        else println(io.stdout, `${file.cid}  ${ipfsCid}  ${file.size} bytes  ${file.format}`);
      } catch (error) {
        progress.done();
        throw error;
      }
    }
  } finally {
    store.close();
  }
  return 0;
}
