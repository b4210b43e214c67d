// What a tensor or slice download is made of: an optional .npy header and the data bytes (views where possible).
import { dtypeSize, numpyDescr } from '../tensor/dtype.ts';
import { npyHeader } from '../tensor/npy.ts';
import { StoreError } from './errors.ts';
import type { TensorReader } from './tensor-reader.ts';
import type { TensorRecord } from './types.ts';

export type PayloadFormat = 'raw' | 'npy';

export interface TensorPayload {
  /** Written in order; together exactly `byteLength` bytes. */
  parts: Buffer[];
  byteLength: number;
  shape: number[];
  format: PayloadFormat;
}

/** An absent or whole-tensor spec reads the stored bytes as they are (Fortran order kept for npy). */
export function tensorPayload(reader: TensorReader, tensor: TensorRecord, options: { slice?: string | null; format?: PayloadFormat }): TensorPayload {
  const format = options.format ?? 'raw';
  const spec = options.slice?.trim() ?? '';
  let data: Buffer;
  let shape: number[];
  let fortranOrder = false;
  if (spec === '' || spec === '...' || spec === ':') {
    data = reader.tensorBytes(tensor);
    shape = tensor.shape;
    fortranOrder = tensor.fortranOrder;
  } else {
    const plan = reader.plan(tensor, spec);
    data = reader.sliceBytes(tensor, plan);
    shape = plan.shape;
  }
  if (format === 'raw') return { parts: [data], byteLength: data.byteLength, shape, format };
  const descr = numpyDescr(tensor.dtype, tensor.littleEndian);
  if (!descr) {
    throw new StoreError('INVALID_ARGUMENT', `NumPy has no ${tensor.dtype} dtype: ask for format raw (${dtypeSize(tensor.dtype)} bytes per element)`);
  }
  const header = npyHeader(descr, shape, fortranOrder);
  return { parts: [header, data], byteLength: header.byteLength + data.byteLength, shape, format };
}
