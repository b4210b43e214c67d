// What bytes a tensor or slice is as an Arrow IPC stream or a standalone safetensors file, and what a subset of a
// file's tensors is as safetensors: beside tensor-payload.ts (raw, npy), for the download route, GraphQL and the CLI.
// - Both formats carry the elements in C order, little-endian: a whole column-major tensor is planned as the
//   slice `:, :, ...` (gathered), a big-endian .npy tensor is byte-swapped; otherwise the data is the stored
//   bytes as views of the mapping (regions, cut into views only when sent).
// - Both lengths are known from the shapes alone, so the data is read (or gathered) only when the body is sent.
import { constants as bufferConstants } from 'node:buffer';
import { dtypeSize } from '../tensor/dtype.ts';
import { ARROW_BATCH_BYTES, arrowStream, arrowStreamLength } from '../tensor/arrow.ts';
import { toLittleEndian } from '../tensor/byte-order.ts';
import { safetensorsHeader, type TensorEntry } from '../tensor/safetensors-encode.ts';
import type { SlicePlan } from '../tensor/slice.ts';
import { StoreError } from './errors.ts';
import type { TensorReader } from './tensor-reader.ts';
import type { FileRecord, TensorRecord } from './types.ts';

export type FormattedFormat = 'arrow' | 'safetensors';
export const CONTENT_TYPE_ARROW = 'application/vnd.apache.arrow.stream';
export const CONTENT_TYPE_SAFETENSORS = 'application/octet-stream';

/** [start, end) of the object, absolute offsets: sent as views of the mapping. */
export interface ObjectRegion {
  start: number;
  end: number;
}

export type PayloadPart = Uint8Array | ObjectRegion;

export interface FormattedPayload {
  shape: number[];
  byteLength: number;
  /** False when parts() holds copies (a gather, a swap, Arrow's bit-packed booleans) worth dropping after use. */
  reusable: boolean;
  /** The body, in order; may do the work of a gather (safetensors of a strided slice). */
  parts(): PayloadPart[];
}

/** Largest region handed out as one view (Buffers stop at 4 GiB); Arrow's batches are cut at the same size. */
const VIEW_BYTES = ARROW_BATCH_BYTES;

type Reader = Pick<TensorReader, 'plan' | 'sliceBytes' | 'range'>;

/** The C-order elements of a tensor or slice: a region of the object, or work that gathers them. */
interface CData {
  shape: number[];
  byteLength: number;
  region: ObjectRegion | null;
  gather: (() => Buffer) | null;
}

function cOrderData(reader: Reader, tensor: TensorRecord, slice: string | null | undefined): CData {
  const spec = slice?.trim() ?? '';
  const whole = spec === '' || spec === '...' || spec === ':';
  if (whole && !(tensor.fortranOrder && tensor.shape.length > 1)) {
    return { shape: tensor.shape, byteLength: tensor.byteLength, region: { start: tensor.byteOffset, end: tensor.byteOffset + tensor.byteLength }, gather: null };
  }
  const plan: SlicePlan = reader.plan(tensor, whole ? tensor.shape.map(() => ':').join(', ') : spec);
  if (plan.rangeCount <= 1) {
    const start = tensor.byteOffset + (plan.rangeCount === 0 ? 0 : plan.ranges[0]!);
    return { shape: plan.shape, byteLength: plan.byteLength, region: { start, end: start + plan.byteLength }, gather: null };
  }
  if (plan.byteLength > bufferConstants.MAX_LENGTH) {
    throw new StoreError('TOO_LARGE', `this strided slice is ${plan.byteLength} bytes, more than one gather can hold (${bufferConstants.MAX_LENGTH}): ask for it in parts (e.g. by rows)`);
  }
  return { shape: plan.shape, byteLength: plan.byteLength, region: null, gather: () => reader.sliceBytes(tensor, plan) };
}

function swapped(tensor: TensorRecord): boolean {
  return !tensor.littleEndian && dtypeSize(tensor.dtype) > 1;
}

/** Views of a region, at most VIEW_BYTES each. */
function regionViews(reader: Reader, cid: string, region: ObjectRegion): Buffer[] {
  const views: Buffer[] = [];
  for (let at = region.start; at < region.end; at += VIEW_BYTES) views.push(reader.range(cid, at, Math.min(region.end, at + VIEW_BYTES)));
  return views;
}

/** The data parts of one tensor: regions when they can be sent as stored, else a buffer made when asked. */
function dataParts(reader: Reader, tensor: TensorRecord, data: CData): { parts: () => PayloadPart[]; copies: boolean } {
  if (data.byteLength === 0) return { parts: () => [], copies: false };
  const size = dtypeSize(tensor.dtype);
  if (data.region && !swapped(tensor)) {
    const parts = [data.region];
    return { parts: () => parts, copies: false };
  }
  const read = (): Uint8Array => (data.gather ? data.gather() : Buffer.concat(regionViews(reader, tensor.cid, data.region!)));
  return { parts: () => [swapped(tensor) ? toLittleEndian(read(), size) : read()], copies: true };
}

export function formattedPayload(reader: Reader, tensor: TensorRecord, options: { slice?: string | null; format: FormattedFormat }): FormattedPayload {
  const data = cOrderData(reader, tensor, options.slice);
  if (options.format === 'safetensors') {
    const header = safetensorsHeader([{ name: tensor.name, dtype: tensor.dtype, shape: data.shape, byteLength: data.byteLength }]);
    const body = dataParts(reader, tensor, data);
    return { shape: data.shape, byteLength: header.byteLength + data.byteLength, reusable: !body.copies, parts: () => [header, ...body.parts()] };
  }
  // Arrow: the length is known from the shape alone (arrow.ts); the stream is built when sent, from views of the
  // mapping when the data is contiguous and little-endian (then kept: building it costs tens of microseconds).
  const body = dataParts(reader, tensor, data);
  let built: Uint8Array[] | null = null;
  const parts = (): Uint8Array[] => {
    if (built) return built;
    const runs = body.parts().flatMap((part) => (part instanceof Uint8Array ? [part] : regionViews(reader, tensor.cid, part)));
    const stream = arrowStream(tensor.dtype, data.shape, runs);
    if (!body.copies) built = stream;
    return stream;
  };
  return { shape: data.shape, byteLength: arrowStreamLength(tensor.dtype, data.shape), reusable: !body.copies, parts };
}

/**
 * A safetensors file of some of a file's tensors, in the order named, with the file's `__metadata__` kept and
 * the header rewritten; each tensor's data is the stored bytes (views), or its C-order little-endian copy for a
 * column-major or big-endian .npy tensor. StoreError NOT_FOUND names the first missing tensor.
 */
export function subsetPayload(reader: Reader, file: FileRecord, lookup: (name: string) => TensorRecord | null, names: readonly string[]): FormattedPayload {
  const tensors = names.map((name) => {
    const tensor = lookup(name);
    if (!tensor) throw new StoreError('NOT_FOUND', `file ${file.cid} has no tensor named ${JSON.stringify(name)}`);
    return tensor;
  });
  if (tensors.some((t) => t.name === '__metadata__')) throw new StoreError('INVALID_ARGUMENT', 'a tensor named __metadata__ cannot be written to safetensors');
  const datas = tensors.map((t) => cOrderData(reader, t, null));
  const entries: TensorEntry[] = tensors.map((t, i) => ({ name: t.name, dtype: t.dtype, shape: datas[i]!.shape, byteLength: datas[i]!.byteLength }));
  const header = safetensorsHeader(entries, file.metadata);
  const bodies = tensors.map((t, i) => dataParts(reader, t, datas[i]!));
  const byteLength = header.byteLength + entries.reduce((n, e) => n + e.byteLength, 0);
  return { shape: [], byteLength, reusable: bodies.every((b) => !b.copies), parts: () => [header, ...bodies.flatMap((b) => b.parts())] };
}

/** The parts as buffers (regions cut into views): for callers that write them at once (CLI, GraphQL inline). */
export function partBuffers(reader: Reader, cid: string, parts: readonly PayloadPart[]): Uint8Array[] {
  return parts.flatMap((part) => (part instanceof Uint8Array ? [part] : regionViews(reader, cid, part)));
}
