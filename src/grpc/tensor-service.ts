// ipfrs.v1.TensorService over the store: lookups and pages from the index, reads streamed from the mapping with
// the download route's own idea of what a tensor or slice is (src/http/representations.ts: the same bytes, the
// same gather in C++ for strided slices), uploads into the store's atomic ingest.
import type { ServerReadableStream, ServerWritableStream } from '@grpc/grpc-js';
import type { CacheEvents, CachePort } from '../graphql/services/ports.ts';
import type { AuthPort } from './auth.ts';
import { InvalidSliceError } from '../graphql/errors.ts';
import { bodyViews } from '../http/body.ts';
import { MAX_SLICE_LENGTH, type DownloadFormat } from '../http/paths.ts';
import { isStoreCid, notACidMessage } from '../store/cid.ts';
import { isWholeTensor } from '../store/tensor-payload.ts';
import { resolveTensor, type Lookups } from '../http/representations.ts';
import type { TensorReader } from '../store/tensor-reader.ts';
import type { TensorStore } from '../store/tensor-store.ts';
import type { FileRecord, Page, TensorRecord } from '../store/types.ts';
import { DTYPES, isDType, type DType } from '../tensor/dtype.ts';
import type { AddFileRequest__Output } from './generated/ipfrs/v1/AddFileRequest.ts';
import type { FileFormat } from './generated/ipfrs/v1/FileFormat.ts';
import type { ReadRangeRequest__Output } from './generated/ipfrs/v1/ReadRangeRequest.ts';
import type { ReadSliceRequest__Output } from './generated/ipfrs/v1/ReadSliceRequest.ts';
import type { Tensor } from './generated/ipfrs/v1/Tensor.ts';
import type { TensorFile } from './generated/ipfrs/v1/TensorFile.ts';
import type { TensorServiceHandlers } from './generated/ipfrs/v1/TensorService.ts';
import { requireScope } from './auth.ts';
import { checkDecoded, clientStreaming, serverStreaming, unary, type HandlerLogger } from './handlers.ts';
import { invalidArgument, notFound, outOfRange } from './status.ts';
import { chunkSizeOf, encodeBytesMessage, writeChunks } from './streaming.ts';

export interface GrpcConfig {
  defaultPageSize: number;
  maxPageSize: number;
  /** The most bytes AddFile takes (GraphQL's upload limit). */
  maxUploadBytes: number;
  minStatsIntervalMs: number;
  maxStatsIntervalMs: number;
}

export interface TensorServiceDeps {
  store: TensorStore;
  reader: TensorReader;
  cache: CachePort;
  cacheEvents: CacheEvents;
  auth: AuthPort;
  logger: HandlerLogger;
  config: GrpcConfig;
}

const MAX_NAME_LENGTH = 1024;
const SLICE_FORMATS: Record<string, DownloadFormat> = { SLICE_FORMAT_RAW: 'raw', SLICE_FORMAT_NPY: 'npy', SLICE_FORMAT_ARROW: 'arrow', SLICE_FORMAT_SAFETENSORS: 'safetensors' };
const FILE_FORMATS: Record<FileRecord['format'], FileFormat> = { safetensors: 'FILE_FORMAT_SAFETENSORS', npy: 'FILE_FORMAT_NPY', raw: 'FILE_FORMAT_RAW' };

export function tensorServiceHandlers(deps: TensorServiceDeps): TensorServiceHandlers {
  const { store, reader, logger, config } = deps;
  const pageSize = (asked: number) => {
    if (asked === 0) return config.defaultPageSize;
    if (asked > config.maxPageSize) throw invalidArgument(`page_size must be between 0 and ${config.maxPageSize}, not ${asked}: page through with page_token`);
    return asked;
  };

  return {
    ListFiles: unary('ListFiles', logger, ({ request }) => {
      const page = store.listFiles({ first: pageSize(request.page_size), after: request.page_token || null });
      return { files: page.items.map((file) => fileMessage(store, file)), next_page_token: nextToken(page) };
    }, { argument: 'page_token' }),

    GetFile: unary('GetFile', logger, ({ request }) => {
      const cid = checkCid(request.cid);
      const file = store.getFile(cid);
      if (!file) throw notFoundFile(cid);
      return fileMessage(store, file);
    }),

    ListTensors: unary('ListTensors', logger, ({ request }) => {
      if (request.dtype && !isDType(request.dtype)) throw invalidArgument(`dtype must be one of ${DTYPES.join(', ')}, not ${JSON.stringify(request.dtype.slice(0, 40))}`);
      const filter = { namePrefix: request.name_prefix || null, dtype: (request.dtype || null) as DType | null, cid: request.cid ? checkCid(request.cid) : null };
      const page = store.listTensors({ first: pageSize(request.page_size), after: request.page_token || null, filter });
      return { tensors: page.items.map(tensorMessage), next_page_token: nextToken(page) };
    }, { argument: 'page_token' }),

    GetTensor: unary('GetTensor', logger, ({ request }) => {
      const cid = checkCid(request.cid);
      const tensor = store.getTensor(cid, request.name || null);
      if (!tensor) throw missingTensor(store, cid, request.name);
      return tensorMessage(tensor);
    }, { argument: 'name' }),

    ReadSlice: serverStreaming('ReadSlice', logger, async (call: ServerWritableStream<ReadSliceRequest__Output, unknown>) => {
      const request = call.request;
      const cid = checkCid(request.cid);
      const spec = request.spec;
      if (spec.length > MAX_SLICE_LENGTH) throw new InvalidSliceError(`the slice spec is longer than ${MAX_SLICE_LENGTH} characters`, spec.slice(0, 80));
      const chunkSize = chunk(request.chunk_size);
      let tensor: TensorRecord | null = null;
      const lookups: Lookups = {
        open: (object) => reader.open(object),
        file: (object) => store.getFile(object),
        tensor: (object, name) => (tensor = store.getTensor(object, name || null)),
      };
      const format = SLICE_FORMATS[request.format] ?? 'raw';
      const { resolved, file } = resolveTensor({ kind: 'tensor', cid, name: request.name }, { slice: spec.trim() === '' ? null : spec, format }, reader, lookups);
      const { rep } = resolved;
      const offset = request.offset;
      if (offset > rep.length) throw outOfRange(`offset ${offset} is past the end of the answer (${rep.length} bytes)`);
      const whole = isWholeTensor(spec);
      // The gather of a strided slice happens here, once, before the header: a failure is a status, not a cut.
      const pieces = resolved.pieces();
      call.write({
        header: {
          dtype: rep.dtype!,
          shape: rep.shape!,
          byte_length: rep.length,
          format: request.format,
          offset,
          // Arrow and safetensors answers are little-endian and in C order, whatever the stored bytes are.
          little_endian: tensor!.littleEndian || format === 'arrow' || format === 'safetensors',
          fortran_order: whole && tensor!.fortranOrder && (format === 'raw' || format === 'npy'),
        },
      });
      return writeChunks(call, bodyViews(lookups, pieces, offset, rep.length, file), chunkSize, (data) => encodeBytesMessage(2, data));
    }, { argument: 'name' }),

    ReadRange: serverStreaming('ReadRange', logger, async (call: ServerWritableStream<ReadRangeRequest__Output, unknown>) => {
      const request = call.request;
      const cid = checkCid(request.cid);
      const chunkSize = chunk(request.chunk_size);
      const record = store.getFile(cid);
      if (!record) throw notFoundFile(cid);
      const start = request.start;
      const end = request.end ?? record.size;
      // GraphQL's byteRange message, word for word.
      if (start < 0 || end < start || end > record.size) throw outOfRange(`the range ${start}-${end} is not within the file: 0 <= start <= end <= ${record.size}`);
      const file = reader.open(cid);
      const pieces = [{ cid, start: 0, end: file.size }];
      return writeChunks(call, bodyViews({ open: (object) => reader.open(object) }, pieces, start, end, file), chunkSize, (data, at) => encodeBytesMessage(1, data, 2, at), start);
    }),

    AddFile: clientStreaming('AddFile', logger, async (call: ServerReadableStream<AddFileRequest__Output, TensorFile>) => {
      requireScope(call.metadata, deps.auth, 'write', 'AddFile');
      // A client that goes away mid-upload ends the source with an error: the ingest discards its temp file.
      const onCancel = () => call.destroy(new Error('AddFile was cancelled by the client'));
      call.once('cancelled', onCancel);
      try {
        const messages = call[Symbol.asyncIterator]() as AsyncIterator<AddFileRequest__Output>;
        const first = await messages.next();
        if (!first.done) checkDecoded(first.value);
        if (first.done || first.value.part !== 'metadata' || !first.value.metadata) {
          throw invalidArgument('the first AddFile message must be its metadata (name, format, dtype, shape); the data follows');
        }
        const options = addOptions(first.value.metadata);
        const source = dataOf(messages);
        const { file, created } = await store.add(source, { ...options, maxBytes: config.maxUploadBytes });
        const declared = first.value.metadata.format;
        if ((declared === 'FILE_FORMAT_SAFETENSORS' || declared === 'FILE_FORMAT_NPY') && FILE_FORMATS[file.format] !== declared) {
          if (created) store.remove(file.cid);
          throw invalidArgument(`the bytes are a ${file.format} file, not ${declared.slice('FILE_FORMAT_'.length).toLowerCase()} as declared`);
        }
        return fileMessage(store, file);
      } finally {
        call.off('cancelled', onCancel);
      }
    }, { argument: 'dtype', limit: config.maxUploadBytes }),

    DeleteFile: unary('DeleteFile', logger, async ({ request, metadata }) => {
      requireScope(metadata, deps.auth, 'write', 'DeleteFile');
      const cid = checkCid(request.cid);
      const deleted = store.remove(cid);
      // Awaited: with --workers the eviction settles once every worker has done it.
      if (await deps.cache.evict(cid)) deps.cacheEvents.changed();
      return { cid, deleted };
    }),
  };
}

export function checkCid(value: string): string {
  if (!isStoreCid(value)) throw invalidArgument(notACidMessage(value));
  return value;
}

function chunk(asked: number): number {
  const size = chunkSizeOf(asked);
  if (typeof size === 'string') throw invalidArgument(size);
  return size;
}

function notFoundFile(cid: string) {
  return notFound(`no file with CID ${cid}`);
}

/** The download route's words for a tensor that is not there. */
function missingTensor(store: TensorStore, cid: string, name: string) {
  return notFound(!store.getFile(cid) ? `no file with CID ${cid}` : `file ${cid} has no tensor named ${JSON.stringify(name)}`);
}

function nextToken(page: Page<unknown>): string {
  return page.hasNextPage ? (page.cursors[page.cursors.length - 1] ?? '') : '';
}

function fileMessage(store: TensorStore, file: FileRecord): TensorFile {
  return {
    cid: file.cid,
    size: file.size,
    format: FILE_FORMATS[file.format],
    metadata: file.metadata ?? {},
    tensor_count: file.tensorCount,
    added_at_ms: file.addedAt,
    source_name: file.sourceName ?? '',
    ipfs_cid: store.ipfsCidOf(file.cid) ?? '',
  };
}

function tensorMessage(tensor: TensorRecord): Tensor {
  return {
    cid: tensor.cid,
    name: tensor.name,
    dtype: tensor.dtype,
    shape: tensor.shape,
    strides: tensor.strides,
    element_count: tensor.elementCount,
    byte_offset: tensor.byteOffset,
    byte_length: tensor.byteLength,
    little_endian: tensor.littleEndian,
    fortran_order: tensor.fortranOrder,
  };
}

/** AddFileMetadata -> the store's add options, checked as GraphQL's addTensorFile checks its arguments. */
function addOptions(meta: NonNullable<AddFileRequest__Output['metadata']>): { name?: string; dtype?: DType; shape?: number[] } {
  const name = meta.name || undefined;
  if (name !== undefined && (name.length > MAX_NAME_LENGTH || /[\x00-\x1f\x7f]/.test(name))) {
    throw invalidArgument(`name must be at most ${MAX_NAME_LENGTH} characters without control characters`);
  }
  if (meta.dtype && !isDType(meta.dtype)) throw invalidArgument(`dtype must be one of ${DTYPES.join(', ')}, not ${JSON.stringify(meta.dtype.slice(0, 40))}`);
  const raw = meta.format === 'FILE_FORMAT_RAW' || meta.dtype !== '';
  if (!raw) {
    if (meta.shape.length) throw invalidArgument('a shape is for raw bytes: give a dtype and format FILE_FORMAT_RAW too');
    return { name };
  }
  if (meta.format !== 'FILE_FORMAT_RAW' && meta.format !== 'FILE_FORMAT_UNSPECIFIED') throw invalidArgument(`dtype and shape are for raw bytes, not ${meta.format}`);
  if (!meta.dtype) throw invalidArgument('raw bytes need both a dtype and a shape');
  if (meta.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw invalidArgument('shape dimensions must be 0 or more');
  return { name, dtype: meta.dtype as DType, shape: meta.shape };
}

/** The data messages after the metadata, as the byte source the store ingests. */
async function* dataOf(messages: AsyncIterator<AddFileRequest__Output>): AsyncGenerator<Uint8Array> {
  for (let next = await messages.next(); !next.done; next = await messages.next()) {
    checkDecoded(next.value);
    if (next.value.part !== 'data') throw invalidArgument('only the first AddFile message carries metadata; the others carry data');
    const data = next.value.data;
    if (data?.byteLength) yield data;
  }
}
