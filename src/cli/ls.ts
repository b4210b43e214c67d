import { isDType } from '../tensor/dtype.ts';
import { UsageError } from '../config.ts';
import { formatBytes, table } from './output.ts';
import { openStore, parse, println, storeOption, type Command } from './common.ts';
import type { TensorStore } from '../store/tensor-store.ts';
import type { CliIo } from './common.ts';

const PAGE = 1000;

export const ls: Command = {
  async run(args, io) {
    const { values } = parse(
      args,
      { ...storeOption, json: { type: 'boolean' }, tensors: { type: 'boolean' }, prefix: { type: 'string' }, dtype: { type: 'string' }, cid: { type: 'string' } },
      false,
    );
    const dtype = values.dtype?.toUpperCase();
    if (dtype !== undefined && !isDType(dtype)) throw new UsageError(`unknown dtype ${values.dtype}`);
    const store = openStore(values.store, io);
    try {
      if (values.tensors || values.prefix || dtype || values.cid) listTensors(store, io, values.json ?? false, { namePrefix: values.prefix, dtype: dtype as never, cid: values.cid });
      else listFiles(store, io, values.json ?? false);
    } finally {
      store.close();
    }
    return 0;
  },
};

function listFiles(store: TensorStore, io: CliIo, json: boolean): void {
  const rows = [['CID', 'FORMAT', 'SIZE', 'TENSORS', 'NAME']];
  for (let after: string | null = null; ; ) {
    const page = store.listFiles({ first: PAGE, after });
    for (const f of page.items) {
      if (json) println(io.stdout, JSON.stringify(f));
      else rows.push([f.cid, f.format, formatBytes(f.size), String(f.tensorCount), f.sourceName ?? '']);
    }
    if (!page.hasNextPage) break;
    after = page.cursors.at(-1)!;
  }
  if (!json) println(io.stdout, table(rows));
}

function listTensors(store: TensorStore, io: CliIo, json: boolean, filter: { namePrefix?: string; dtype?: never; cid?: string }): void {
  const rows = [['NAME', 'DTYPE', 'SHAPE', 'SIZE', 'CID']];
  for (let after: string | null = null; ; ) {
    const page = store.listTensors({ first: PAGE, after, filter });
    for (const t of page.items) {
      if (json) println(io.stdout, JSON.stringify(t));
      else rows.push([t.name, t.dtype, `[${t.shape.join(', ')}]`, formatBytes(t.byteLength), t.cid]);
    }
    if (!page.hasNextPage) break;
    after = page.cursors.at(-1)!;
  }
  if (!json) println(io.stdout, table(rows));
}
