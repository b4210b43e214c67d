// TensorFile: one stored object (safetensors, .npy or raw), its queries, and the mutations that add and delete.
import { audit } from '../../auth/audit.ts';
import { CONTENT_TYPE_RAW } from '../../http/headers.ts';
import type { DType } from '../../tensor/dtype.ts';
import { builder } from '../builder.ts';
import { downloadLink, expiresIn } from '../delivery.ts';
import { ForbiddenError, InvalidArgumentError, InvalidFileError, TooLargeError, UnavailableError } from '../errors.ts';
import { connectionOf, pageMultiplier, pageSize } from '../pages.ts';
import { pageArgs } from './page-args.ts';
import { guard, guardAsync } from '../translate.ts';
import { isStoreCid } from '../../store/cid.ts';
import { MAX_SUBSET_TENSORS } from '../../http/paths.ts';
import { subsetPayload } from '../../store/format-payload.ts';
import { planSlice } from '../../tensor/slice.ts';
import { DownloadLink } from './download-link.ts';
import { UploadAbortedError } from '../plugins/upload-stream.ts';
import type { UploadedFile } from '../builder.ts';
import { DTypeEnum, TensorConnection } from './tensor.ts';
import { TensorFileRef } from './refs.ts';

export const FileFormatEnum = builder.enumType('FileFormat', {
  values: {
    SAFETENSORS: { value: 'safetensors', description: 'Many named tensors behind a JSON header.' },
    NPY: { value: 'npy', description: 'A NumPy .npy file: one tensor.' },
    RAW: { value: 'raw', description: 'Bare bytes with a declared dtype and shape: one tensor.' },
  } as const,
});

export const TensorFile = builder.node(TensorFileRef, {
  description: 'A file in the store, addressed by the CID of its bytes.',
  id: { resolve: (file) => file.cid },
  loadOne: (cid, ctx) => (isStoreCid(cid) ? ctx.store.getFile(cid) : null),
  fields: (t) => ({
    cid: t.expose('cid', { type: 'CID' }),
    ipfsCid: t.field({
      type: 'CID',
      nullable: true,
      description:
        'The root of the file\'s UnixFS DAG (CIDv1, dag-pb, balanced, 1 MiB raw leaves: what `ipfs add --cid-version=1 ' +
        '--raw-leaves --chunker=size-1048576` prints); equal to `cid` for a file of at most 1 MiB. Served by the ' +
        '`/ipfs/<cid>` gateway. Null only while the server computes the roots of a store made before them.',
      resolve: (file, _args, ctx) => ctx.store.ipfsCidOf(file.cid),
    }),
    size: t.expose('size', { type: 'SafeInt', description: 'Bytes of the whole file.' }),
    format: t.expose('format', { type: FileFormatEnum }),
    metadata: t.expose('metadata', {
      type: 'JSON',
      nullable: true,
      description: 'The safetensors `__metadata__` (string to string), or null.',
    }),
    tensorCount: t.exposeInt('tensorCount'),
    addedAt: t.field({ type: 'DateTime', resolve: (file) => new Date(file.addedAt) }),
    sourceName: t.exposeString('sourceName', { nullable: true, description: 'The file name given when it was added.' }),
    tensors: t.field({
      type: TensorConnection,
      description: 'The tensors of this file, in name order.',
      args: pageArgs(t),
      complexity: (args, ctx) => ({ field: 1, multiplier: pageMultiplier(args, ctx.config) }),
      resolve: (file, args, ctx) => {
        const first = pageSize(args, ctx.config);
        return connectionOf(guard(() => ctx.store.listTensors({ first, after: args.after, filter: { cid: file.cid } }), { argument: 'after' }));
      },
    }),
    downloadLink: t.field({
      type: DownloadLink,
      description: 'A signed link to the whole file (`/v1/blob/<cid>`). A bad expiresIn is an InvalidArgumentError in the result.',
      errors: { types: [InvalidArgumentError], directResult: true, union: { name: 'DownloadLinkResult' } },
      args: { expiresIn: t.arg.int({ description: 'Seconds the link stays valid; the server default when left out.' }) },
      resolve: (file, args, ctx) => {
        const signed = ctx.links.blob(file.cid, { expiresIn: expiresIn(args.expiresIn, ctx.config) });
        return downloadLink(ctx, signed, { byteLength: file.size, contentType: CONTENT_TYPE_RAW });
      },
    }),
    subsetLink: t.field({
      type: DownloadLink,
      description:
        'A signed link to a safetensors file of just these tensors (`/v1/file/<cid>?tensors=..`), in the order named, ' +
        'with the file\'s `__metadata__` kept: one layer of a model, say. The data is served as views of the stored file.',
      args: {
        names: t.arg.stringList({ required: true }),
        expiresIn: t.arg.int({ description: 'Seconds the link stays valid; the server default when left out.' }),
      },
      resolve: (file, args, ctx) => {
        const seconds = expiresIn(args.expiresIn, ctx.config);
        const names = [...new Set(args.names)];
        if (names.length === 0 || names.length > MAX_SUBSET_TENSORS || names.some((n) => n === '')) {
          throw new InvalidArgumentError(`names must list 1 to ${MAX_SUBSET_TENSORS} tensor names, none empty`, 'names');
        }
        const reader = { plan: planSlice, sliceBytes: ctx.reader.readSlice.bind(ctx.reader), range: ctx.reader.readRange.bind(ctx.reader) };
        const payload = guard(() => subsetPayload(reader, file, (name) => ctx.store.getTensor(file.cid, name), names), { argument: 'names' });
        const signed = ctx.links.subset(file.cid, names, { expiresIn: seconds });
        return downloadLink(ctx, signed, { byteLength: payload.byteLength, contentType: CONTENT_TYPE_RAW });
      },
    }),
    zarrUrl: t.string({
      description:
        'The Zarr v2 view of this file (`.zgroup`, one uncompressed array per tensor), for zarr-python, xarray, dask or ' +
        'TensorStore: a prefix URL whose expiry and signature sit in the path, so that every key appended to it is ' +
        'covered (`zarr.open(fsspec.get_mapper(url))`). On a server with public reads, the plain `/zarr/<cid>/`.',
      args: { expiresIn: t.arg.int({ description: 'Seconds the prefix stays valid; the server default when left out.' }) },
      resolve: (file, args, ctx) => new URL(ctx.links.zarr(file.cid, { expiresIn: expiresIn(args.expiresIn, ctx.config) }).url, ctx.baseUrl).href,
    }),
  }),
});

builder.queryFields((t) => ({
  tensorFiles: t.field({
    type: builder.connectionObject({ type: TensorFile, name: 'TensorFileConnection' }, { name: 'TensorFileEdge' }),
    description: 'The files of the store, in the order they were added.',
    args: pageArgs(t),
    complexity: (args, ctx) => ({ field: 1, multiplier: pageMultiplier(args, ctx.config) }),
    resolve: (_root, args, ctx) => {
      const first = pageSize(args, ctx.config);
      return connectionOf(guard(() => ctx.store.listFiles({ first, after: args.after }), { argument: 'after' }));
    },
  }),
  tensorFile: t.field({
    type: TensorFile,
    nullable: true,
    description: 'The file with this CID (its own or its UnixFS root), or null.',
    args: { cid: t.arg({ type: 'CID', required: true }) },
    resolve: (_root, { cid }, ctx) => guard(() => ctx.store.getFile(cid), { argument: 'cid' }),
  }),
}));

const MAX_NAME_LENGTH = 1024;

async function uploadReady(file: UploadedFile): Promise<void> {
  try {
    await file.ready?.();
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}: nothing was added`, 'file');
  }
}

const DeleteTensorFilePayload = builder.objectRef<{ cid: string; deleted: boolean }>('DeleteTensorFilePayload').implement({
  fields: (t) => ({
    cid: t.expose('cid', { type: 'CID' }),
    deleted: t.exposeBoolean('deleted', { description: 'False when there was no such file.' }),
  }),
});

builder.mutationFields((t) => ({
  addTensorFile: t.field({
    type: TensorFile,
    description:
      'Adds a file sent as a multipart upload (GraphQL multipart request spec). safetensors and .npy describe ' +
      'themselves; raw bytes need dtype and shape. Adding the same bytes again returns the existing file. Needs ' +
      'the write scope.',
    authScopes: { write: true },
    errors: { types: [ForbiddenError, InvalidFileError, TooLargeError, InvalidArgumentError], directResult: true },
    args: {
      file: t.arg({ type: 'File', required: true }),
      dtype: t.arg({ type: DTypeEnum, description: 'For raw bytes.' }),
      shape: t.arg({ type: ['SafeInt'], description: 'For raw bytes; [] for a scalar.' }),
      name: t.arg.string({ description: 'Names the tensor of a .npy or raw file; defaults to the upload\'s file name.' }),
    },
    resolve: async (_root, args, ctx) => {
      const max = ctx.config.maxUploadBytes;
      // A streamed part's name is known once its headers are in (upload-stream.ts); its size only at its end.
      await uploadReady(args.file);
      if (args.file.size > max) {
        throw new TooLargeError(`the file is ${args.file.size} bytes, above the upload limit of ${max} bytes`, args.file.size, max);
      }
      const name = args.name ?? (args.file.name || undefined);
      if (name !== undefined && (name.length > MAX_NAME_LENGTH || /[\x00-\x1f\x7f]/.test(name))) {
        throw new InvalidArgumentError(`name must be at most ${MAX_NAME_LENGTH} characters without control characters`, 'name');
      }
      if (args.shape?.some((d) => d < 0)) throw new InvalidArgumentError('shape dimensions must be 0 or more', 'shape');
      const options = { dtype: (args.dtype ?? undefined) as DType | undefined, shape: args.shape ?? undefined, name, maxBytes: max };
      const source = args.file.chunks?.() ?? args.file.stream();
      const { file, created } = await guardAsync(() => ctx.store.add(source, options), { argument: 'dtype', limit: max }).catch((error: unknown) => {
        throw error instanceof UploadAbortedError ? new InvalidArgumentError(`${error.message}: nothing was added`, 'file') : error;
      });
      audit(ctx.logger, ctx.auth, 'addTensorFile', { cid: file.cid, size: file.size, created });
      return file;
    },
  }),
  addFromPeers: t.field({
    type: TensorFile,
    description:
      'Fetches a file the store lacks from the server\'s IPFS peers (`ipfrs serve --peer URL`: other ipfrs nodes, kubo, ' +
      'rainbow), checks every block against its CID, and stores it atomically; returns it at once when the store has ' +
      'it. `cid` is its UnixFS root (or its own CID). Concurrent calls for one CID share one fetch. Needs the write scope.',
    authScopes: { write: true },
    errors: { types: [ForbiddenError, UnavailableError, InvalidArgumentError], directResult: true },
    args: { cid: t.arg({ type: 'CID', required: true }) },
    resolve: async (_root, { cid }, ctx) => {
      const have = guard(() => ctx.store.getFile(cid), { argument: 'cid' });
      if (have) return have;
      if (!ctx.peers) throw new UnavailableError(`the store lacks ${cid} and the server has no peers (ipfrs serve --peer URL)`);
      const peers = ctx.peers;
      const file = await guardAsync(() => peers.fetch(cid), { argument: 'cid' });
      audit(ctx.logger, ctx.auth, 'addFromPeers', { cid: file.cid, requested: cid, size: file.size });
      return file;
    },
  }),
  deleteTensorFile: t.field({
    type: DeleteTensorFilePayload,
    description: 'Deletes a file, its tensors and its cache entry. Links already handed out stop working. Needs the admin scope.',
    authScopes: { admin: true },
    errors: { types: [ForbiddenError], directResult: true },
    args: { cid: t.arg({ type: 'CID', required: true }) },
    resolve: async (_root, { cid }, ctx) => {
      const deleted = guard(() => ctx.store.remove(cid), { argument: 'cid' });
      audit(ctx.logger, ctx.auth, 'deleteTensorFile', { cid, deleted });
      if (await ctx.cache.evict(cid)) ctx.cacheEvents.changed();
      return { cid, deleted };
    },
  }),
}));
