import { StoreError } from '../store/errors.ts';
import { formatBytes, table } from './output.ts';
import { openStore, parse, println, requireOne, storeOption, type Command } from './common.ts';

export const info: Command = {
  async run(args, io) {
    const { values, positionals } = parse(args, { ...storeOption, json: { type: 'boolean' } });
    const cid = requireOne(positionals, 'CID');
    const store = openStore(values.store, io);
    try {
      const file = store.getFile(cid);
      if (!file) throw new StoreError('NOT_FOUND', `no file with CID ${cid}`);
      const tensors = store.tensorsOf(cid);
      const ipfsCid = store.ipfsCidOf(file.cid);
      if (values.json) {
        println(io.stdout, JSON.stringify({ ...file, ipfsCid, tensors }, null, 2));
        return 0;
      }
      println(io.stdout, `cid       ${file.cid}`);
      // Null only until a server has computed the roots of a store made before them.
      println(io.stdout, `ipfs-cid  ${ipfsCid ?? '(not computed yet: start `ipfrs serve` once)'}`);
      println(io.stdout, `format    ${file.format}`);
      println(io.stdout, `size      ${file.size} bytes (${formatBytes(file.size)})`);
      if (file.sourceName) println(io.stdout, `name      ${file.sourceName}`);
      println(io.stdout, `added     ${new Date(file.addedAt).toISOString()}`);
      if (file.metadata) println(io.stdout, `metadata  ${JSON.stringify(file.metadata)}`);
      println(io.stdout, `tensors   ${tensors.length}`);
      const rows = [['NAME', 'DTYPE', 'SHAPE', 'OFFSET', 'BYTES']];
      for (const t of tensors) rows.push([t.name, t.dtype, `[${t.shape.join(', ')}]`, String(t.byteOffset), String(t.byteLength)]);
      println(io.stdout, table(rows));
    } finally {
      store.close();
    }
    return 0;
  },
};
