// `ipfrs link`: prints a signed, expiring URL to a file, a tensor or a slice, for the server of this store.
import { UsageError, parseDuration } from '../config.ts';
import { signedLinks } from '../graphql/services/links.ts';
import { DEFAULT_CLOCK_SKEW, keyRingFromJSON, MAX_EXPIRES_IN } from '../http/sign.ts';
import { StoreError } from '../store/errors.ts';
import { loadOrCreateKeyRing } from '../store/secrets.ts';
import { planPayload } from '../store/tensor-payload.ts';
import { planSlice } from '../tensor/slice.ts';
import { formattedPayload, subsetPayload } from '../store/format-payload.ts';
import { parseTensorList, type DownloadFormat } from '../http/paths.ts';
import { openStore, parse, println, requireOne, storeOption, type Command } from './common.ts';

function unread(): never {
  throw new Error('ipfrs link reads no tensor bytes');
}

export const link: Command = {
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...storeOption,
      tensor: { type: 'string' },
      slice: { type: 'string' },
      format: { type: 'string' },
      tensors: { type: 'string' },
      zarr: { type: 'boolean' },
      expires: { type: 'string' },
      'clock-skew': { type: 'string' },
      base: { type: 'string' },
      json: { type: 'boolean' },
    });
    const cid = requireOne(positionals, 'CID');
    const format = values.format;
    if (format !== undefined && !['raw', 'npy', 'arrow', 'safetensors'].includes(format)) throw new UsageError(`unknown format ${format}: use raw, npy, arrow or safetensors`);
    const subset = values.tensors === undefined ? null : parseTensorList(values.tensors);
    if (values.tensors !== undefined && subset === null) throw new UsageError('--tensors takes tensor names joined by commas (or a JSON array of names)');
    if ((subset || values.zarr) && (values.tensor !== undefined || values.slice !== undefined || format !== undefined || (subset && values.zarr))) {
      throw new UsageError('--tensors and --zarr link to the file; they do not combine with --tensor, --slice, --format or each other');
    }
    const expiresIn = parseDuration(values.expires ?? '15m');
    if (expiresIn < 1 || expiresIn > MAX_EXPIRES_IN) throw new UsageError(`--expires must be between 1s and 7d, not ${values.expires}`);
    // The server accepts a link up to its --clock-skew past expiry: a shorter expiry does not end the link sooner.
    const skew = values['clock-skew'] === undefined ? DEFAULT_CLOCK_SKEW : parseDuration(values['clock-skew']);
    if (expiresIn < skew) io.stderr.write(`ipfrs: warning: --expires ${values.expires} is shorter than the server's clock skew (${skew} s): the link serves until up to ${skew} s after it expires (see ipfrs serve --clock-skew)\n`);
    const base = values.base ?? 'http://127.0.0.1:8080';
    let origin: URL;
    try {
      origin = new URL(base);
    } catch {
      throw new UsageError(`--base must be a URL such as http://127.0.0.1:8080, not ${JSON.stringify(base)}`);
    }
    if (origin.protocol !== 'http:' && origin.protocol !== 'https:') throw new UsageError('--base must be an http or https URL');
    if (origin.search || origin.hash) throw new UsageError('--base must not have a query or a fragment');

    const store = openStore(values.store, io);
    try {
      const file = store.getFile(cid);
      if (!file) throw new StoreError('NOT_FOUND', `no file with CID ${cid}`);
      const links = signedLinks(keyRingFromJSON(loadOrCreateKeyRing(store.root).ring));
      const wantsTensor = values.tensor !== undefined || values.slice !== undefined || format !== undefined;
      let signed;
      let byteLength: number | null;
      // Lengths only: nothing is read (format-payload.ts plans from the index records).
      const planOnly = { plan: planSlice, sliceBytes: unread, range: unread };
      if (subset) {
        byteLength = subsetPayload(planOnly, file, (name) => store.getTensor(cid, name), subset).byteLength;
        signed = links.subset(cid, subset, { expiresIn });
      } else if (values.zarr) {
        signed = links.zarr(cid, { expiresIn });
        byteLength = null;
      } else if (!wantsTensor) {
        signed = links.blob(cid, { expiresIn });
        byteLength = file.size;
      } else {
        const tensor = store.getTensor(cid, values.tensor);
        if (!tensor) throw new StoreError('NOT_FOUND', `file ${cid} has no tensor named ${JSON.stringify(values.tensor)}`);
        // Check now what the server would refuse later: a spec that does not fit, a dtype NumPy lacks.
        const spec = values.slice?.trim() ?? '';
        byteLength =
          format === 'arrow' || format === 'safetensors'
            ? formattedPayload(planOnly, tensor, { slice: values.slice, format }).byteLength
            : planPayload(tensor, { slice: spec, format: format as 'raw' | 'npy' | undefined }).byteLength;
        signed = links.tensor(cid, tensor.name, { slice: spec === '' ? null : values.slice, format: format as DownloadFormat | undefined, expiresIn });
      }
      // Appended, not resolved: a base with a path prefix (a proxy that strips it) keeps its prefix.
      const url = `${origin.href.replace(/\/$/, '')}${signed.url}`;
      if (values.json) println(io.stdout, JSON.stringify({ url, expiresAt: new Date(signed.expiresAt * 1000).toISOString(), byteLength }));
      else println(io.stdout, url);
      return 0;
    } finally {
      store.close();
    }
  },
};
