import { openStore, parse, println, storeOption, type Command } from './common.ts';

export const verify: Command = {
  summary: 're-hash every object and report corrupt ones (exit 1 if any)',
  usage: 'ipfrs verify [--json]',
  async run(args, io) {
    const { values } = parse(args, { ...storeOption, json: { type: 'boolean' } }, false);
    const store = openStore(values.store, io);
    try {
      const results = await store.verify();
      const bad = results.filter((r) => !r.ok);
      // Opening the store already dropped the rows of objects deleted behind its back: say so, or they vanish unseen.
      const dropped = store.openReport.droppedRows;
      if (values.json) println(io.stdout, JSON.stringify({ checked: results.length, corrupt: bad, droppedRows: dropped }));
      else {
        for (const r of bad) println(io.stdout, `CORRUPT ${r.cid}: ${r.reason}`);
        if (dropped > 0) println(io.stdout, `MISSING ${dropped} indexed file${dropped === 1 ? '' : 's'} had no object in objects/: dropped from the index`);
        println(io.stdout, `${results.length - bad.length} of ${results.length} objects ok`);
      }
      return bad.length === 0 && dropped === 0 ? 0 : 1;
    } finally {
      store.close();
    }
  },
};
