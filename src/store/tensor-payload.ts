// What bytes a tensor or slice download is: the one owner of that rule, for the CLI (cat, link), GraphQL (inline
// slices, link lengths) and the download route (src/http/representations.ts).
// - Whole tensor: no spec, `...` or `:` reads the stored bytes as they are; a Fortran-order tensor keeps its
//   column-major bytes and its .npy header says fortran_order. Any other spec is planned (src/tensor/slice.ts) and
//   its bytes come in C order.
// - format npy prepends a NumPy header; a dtype NumPy lacks (BF16, F8) is refused as StoreError INVALID_ARGUMENT.
// - The file name a download is saved under (Content-Disposition).
import { createHash } from 'node:crypto';
import { dtypeSize, numpyDescr } from '../tensor/dtype.ts';
import { npyHeader } from '../tensor/npy.ts';
import { planSlice, type SlicePlan } from '../tensor/slice.ts';
import { StoreError } from './errors.ts';
import type { TensorReader } from './tensor-reader.ts';
import type { FileFormat, TensorRecord } from './types.ts';

export type PayloadFormat = 'raw' | 'npy';

/** Does the spec read the stored bytes as they are (no spec, `...`, `:`), rather than plan a slice? */
export function isWholeTensor(spec: string | null | undefined): boolean {
  const trimmed = spec?.trim() ?? '';
  return trimmed === '' || trimmed === '...' || trimmed === ':';
}

/**
 * The spec a slice answer is linked with. A slice answer is in C order, inline or linked, while a whole-tensor
 * download of a column-major tensor is its stored bytes: so a whole-tensor slice of such a tensor is spelled out
 * axis by axis (`:, :`), which is planned like any slice. Null for no spec.
 */
export function cOrderSpec(tensor: TensorRecord, spec: string): string | null {
  if (isWholeTensor(spec) && tensor.fortranOrder && tensor.shape.length > 1) return tensor.shape.map(() => ':').join(', ');
  return spec.trim() === '' ? null : spec;
}

/** NumPy's descr of the tensor's dtype and byte order; StoreError INVALID_ARGUMENT where NumPy has none. */
export function npyDescrOf(tensor: TensorRecord): string {
  const descr = numpyDescr(tensor.dtype, tensor.littleEndian);
  if (!descr) throw new StoreError('INVALID_ARGUMENT', `NumPy has no ${tensor.dtype} dtype: ask for format raw (${dtypeSize(tensor.dtype)} bytes per element)`);
  return descr;
}

/** The .npy header of an answer of this shape (fortranOrder only for a whole column-major tensor). */
export function npyHeaderOf(tensor: TensorRecord, shape: readonly number[], fortranOrder = false): Buffer {
  return npyHeader(npyDescrOf(tensor), shape, fortranOrder);
}

/** A download of a tensor, planned before any byte is read. */
export interface PayloadPlan {
  format: PayloadFormat;
  /** Null for the stored bytes as they are (a whole tensor); else the planned slice. */
  slice: SlicePlan | null;
  shape: number[];
  /** The .npy header for format npy, else null. */
  header: Buffer | null;
  /** Bytes of the data after the header. */
  dataLength: number;
  /** header + data. */
  byteLength: number;
}

/** Plans a download; `plan` is the slice planner to use (TensorReader.plan, or planSlice itself). */
export function planPayload(
  tensor: TensorRecord,
  options: { slice?: string | null; format?: PayloadFormat },
  plan: (tensor: TensorRecord, spec: string) => SlicePlan = planSlice,
): PayloadPlan {
  const format = options.format ?? 'raw';
  // The dtype first: a request NumPy cannot answer is refused for that, whatever its spec.
  const descr = format === 'npy' ? npyDescrOf(tensor) : null;
  const spec = options.slice?.trim() ?? '';
  const slice = isWholeTensor(spec) ? null : plan(tensor, spec);
  const shape = slice ? slice.shape : tensor.shape;
  const header = descr === null ? null : npyHeader(descr, shape, slice ? false : tensor.fortranOrder);
  const dataLength = slice ? slice.byteLength : tensor.byteLength;
  return { format, slice, shape, header, dataLength, byteLength: (header?.byteLength ?? 0) + dataLength };
}

export interface TensorPayload {
  /** Written in order; together exactly `byteLength` bytes. */
  parts: Buffer[];
  byteLength: number;
  shape: number[];
  format: PayloadFormat;
}

/** The bytes of a download (views where possible), for callers that hold them at once (the CLI). */
export function tensorPayload(reader: TensorReader, tensor: TensorRecord, options: { slice?: string | null; format?: PayloadFormat }): TensorPayload {
  const planned = planPayload(tensor, options, (t, spec) => reader.plan(t, spec));
  const data = planned.slice ? reader.sliceBytes(tensor, planned.slice) : reader.tensorBytes(tensor);
  const parts = planned.header ? [planned.header, data] : [data];
  return { parts, byteLength: planned.byteLength, shape: planned.shape, format: planned.format };
}

/** What a blob download is saved as: `<cid>.safetensors`, `<cid>.npy`, else `<cid>.bin`. */
export function blobFilename(cid: string, fileFormat?: FileFormat): string {
  return `${cid}.${fileFormat === 'safetensors' ? 'safetensors' : fileFormat === 'npy' ? 'npy' : 'bin'}`;
}

/**
 * What a tensor download is saved as: the name (slashes made `_`), then for a slice `_` and the spec (`w_0-8_--3`
 * for `0:8, ::-3`: spaces dropped, colons `-`, commas and anything else `_`, as the playground names its
 * downloads), so that every slice of a tensor saves under its own name, valid on any file system (a digest past 48
 * characters); then `.bin`, `.npy`, `.arrow` or `.safetensors`. A spec that selects every element (`:, :`, `...`) names the whole tensor,
 * whatever the byte order its bytes come in.
 */
const EXTENSIONS = { raw: '.bin', npy: '.npy', arrow: '.arrow', safetensors: '.safetensors' } as const;

export function tensorFilename(name: string, slice: string | null, format: keyof typeof EXTENSIONS): string {
  const spec = (slice ?? '').replace(/\s+/g, '');
  const everything = spec.split(',').every((part) => part === '' || part === ':' || part === '::' || part === '...');
  const tag = everything ? '' : `_${sliceTag(spec)}`;
  return `${name.replace(/[/\\]/g, '_')}${tag}${EXTENSIONS[format]}`;
}

const MAX_SLICE_TAG = 48;

function sliceTag(spec: string): string {
  const tag = spec.replace(/:/g, '-').replace(/[^\w.,-]+/g, '_').replace(/,/g, '_');
  return tag.length <= MAX_SLICE_TAG ? tag : createHash('sha256').update(spec).digest('hex').slice(0, 16);
}
