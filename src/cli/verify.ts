import { openStore, parse, println, storeOption, type Command } from './common.ts';

export const verify: Command = {
  async run(args, io) {
    const { values } = parse(args, { ...storeOption, json: { type: 'boolean' } }, false);
    const store = openStore(values.store, io);
    try {
      const results = await store.verify();
      const bad = results.filter((r) => !r.ok);
      // A missing object stays in the index (and here, on every run) until it is restored or `ipfrs rm`-ed.
      if (values.json) println(io.stdout, JSON.stringify({ checked: results.length, corrupt: bad, droppedRows: store.openReport.droppedRows }));
      else {
        for (const r of bad) println(io.stdout, `${r.missing ? 'MISSING' : 'CORRUPT'} ${r.cid}: ${r.reason}`);
        println(io.stdout, `${results.length - bad.length} of ${results.length} objects ok`);
      }
      return bad.length === 0 ? 0 : 1;
    } finally {
      store.close();
    }
  },
};
