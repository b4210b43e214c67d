// NumPy .npy: the header parser (format versions 1.0, 2.0 and 3.0) and the header writer numpy.load reads.
// Layout: "\x93NUMPY", major, minor, header length (u16 LE in 1.0, u32 LE in 2.0/3.0), then a Python dict literal
// {'descr': ..., 'fortran_order': ..., 'shape': ...} padded with spaces and '\n'; the data follows it.
import { DTYPES, dtypeSize, parseNumpyDescr } from './dtype.ts';
import { TensorFormatError } from './errors.ts';
import { cStrides, elementCountOf, fStrides, formatShape } from './layout.ts';
import { parsePyLiteral, PyDict, PyLiteralError, PyTuple, type PyValue } from './python-literal.ts';
import type { ParsedFile } from './types.ts';

export const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/**
 * numpy itself refuses headers over 10,000 characters unless told to trust the file; real headers are a few
 * hundred bytes (at most 64 dims). The margin is for structured dtypes, which are refused with a clear message
 * anyway.
 */
export const MAX_NPY_HEADER = 1 << 20;

/** numpy writes headers so that the data starts at a multiple of this. */
const ARRAY_ALIGN = 64;
/** numpy pads the header so the growing axis can be rewritten in place with up to this many digits. */
const GROWTH_AXIS_MAX_DIGITS = 21;

export function isNpy(head: Uint8Array): boolean {
  return head.length >= 6 && NPY_MAGIC.equals(Buffer.from(head.buffer, head.byteOffset, 6));
}

interface Preamble {
  major: number;
  headerStart: number;
  headerLength: number;
}

function preamble(bytes: Uint8Array, fileSize: number): Preamble {
  if (!isNpy(bytes)) throw new TensorFormatError('INVALID_HEADER', 'invalid .npy header: the file does not start with \\x93NUMPY');
  if (bytes.length < 8 || fileSize < 8) throw new TensorFormatError('INVALID_HEADER', 'invalid .npy header: truncated before the format version');
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (!(major >= 1 && major <= 3 && minor === 0)) {
    throw new TensorFormatError('INVALID_HEADER', `invalid .npy header: format version ${major}.${minor} is not one of 1.0, 2.0, 3.0`);
  }
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart || fileSize < headerStart) {
    throw new TensorFormatError('INVALID_HEADER', 'invalid .npy header: truncated before the header length');
  }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, headerStart);
  const headerLength = major === 1 ? view.readUInt16LE(8) : view.readUInt32LE(8);
  return { major, headerStart, headerLength };
}

/** Bytes from the start of the file needed to parse the header, or null when the length field alone is invalid. */
export function npyHeaderBytesNeeded(head: Uint8Array, fileSize: number): number | null {
  try {
    const { headerStart, headerLength } = preamble(head, fileSize);
    if (headerLength > MAX_NPY_HEADER || headerStart + headerLength > fileSize) return null;
    return headerStart + headerLength;
  } catch {
    return null;
  }
}

/**
 * Parses a .npy header. `bytes` holds at least the whole header, `fileSize` is the file's size; the one tensor is
 * named `name`. Validates what numpy.load validates, plus that the data is all there.
 */
export function parseNpy(bytes: Uint8Array, fileSize: number, name = 'array'): ParsedFile {
  const { major, headerStart, headerLength } = preamble(bytes, fileSize);
  if (headerLength > MAX_NPY_HEADER) {
    throw new TensorFormatError('HEADER_TOO_LARGE', `invalid .npy header length ${headerLength}: over the ${MAX_NPY_HEADER} byte limit`);
  }
  const dataOffset = headerStart + headerLength;
  if (dataOffset > fileSize) {
    throw new TensorFormatError('INVALID_HEADER', `invalid .npy header length ${headerLength}: runs past the end of the file (${fileSize} bytes); truncated?`);
  }
  if (bytes.length < dataOffset) {
    throw new TensorFormatError('INVALID_HEADER', `need the first ${dataOffset} bytes of the file to read its .npy header, got ${bytes.length}`);
  }
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLength);
  const text = major === 3 ? decodeUtf8(raw) : raw.toString('latin1');
  let literal: PyValue;
  try {
    literal = parsePyLiteral(text, { allowLongSuffix: major < 3 });
  } catch (error) {
    if (error instanceof PyLiteralError) throw new TensorFormatError('INVALID_HEADER', `invalid .npy header: ${error.message}`);
    throw error;
  }
  const { descr, fortranOrder, shape } = headerFields(literal);
  const info = dtypeOf(descr);
  const elementCount = elementCountOf(shape);
  const byteLength = elementCount === null ? null : elementCount * dtypeSize(info.dtype);
  if (byteLength === null || !Number.isSafeInteger(byteLength)) {
    throw new TensorFormatError('SIZE_MISMATCH', `.npy shape ${formatShape(shape)} is larger than any file can hold`);
  }
  if (dataOffset + byteLength > fileSize) {
    throw new TensorFormatError(
      'SIZE_MISMATCH',
      `.npy data is truncated: ${info.dtype} ${formatShape(shape)} needs ${byteLength} bytes after the ${dataOffset}-byte header, the file has ${fileSize - dataOffset}`,
    );
  }
  return {
    format: 'npy',
    metadata: null,
    tensors: [
      {
        name,
        dtype: info.dtype,
        shape,
        strides: fortranOrder ? fStrides(shape) : cStrides(shape),
        elementCount: elementCount!,
        byteOffset: dataOffset,
        byteLength,
        littleEndian: info.littleEndian,
        fortranOrder,
      },
    ],
  };
}

function decodeUtf8(raw: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new TensorFormatError('INVALID_HEADER', 'invalid .npy header: version 3.0 header is not valid UTF-8');
  }
}

const KEYS = ['descr', 'fortran_order', 'shape'];

function headerFields(literal: PyValue): { descr: PyValue; fortranOrder: boolean; shape: number[] } {
  if (!(literal instanceof PyDict)) throw new TensorFormatError('INVALID_HEADER', 'invalid .npy header: not a dictionary');
  const fields = new Map<string, PyValue>();
  for (const [key, value] of literal.entries) {
    // A repeated key keeps the last value, as Python's dict literal does.
    if (typeof key === 'string') fields.set(key, value);
    else throw new TensorFormatError('INVALID_HEADER', 'invalid .npy header: a key is not a string');
  }
  const keys = [...fields.keys()].sort();
  if (keys.length !== KEYS.length || keys.some((k, i) => k !== KEYS[i])) {
    throw new TensorFormatError('INVALID_HEADER', `invalid .npy header: keys are ${JSON.stringify(keys)}, expected exactly ${JSON.stringify(KEYS)}`);
  }
  const shape = fields.get('shape');
  if (!(shape instanceof PyTuple) || !shape.items.every((d) => typeof d === 'number')) {
    throw new TensorFormatError('INVALID_SHAPE', 'invalid .npy header: shape is not a tuple of integers');
  }
  const dims = shape.items as number[];
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new TensorFormatError('INVALID_SHAPE', `invalid .npy header: shape ${formatShape(dims)} must hold non-negative integers`);
  }
  const fortranOrder = fields.get('fortran_order');
  if (typeof fortranOrder !== 'boolean') throw new TensorFormatError('INVALID_HEADER', 'invalid .npy header: fortran_order is not True or False');
  return { descr: fields.get('descr')!, fortranOrder, shape: dims };
}

function dtypeOf(descr: PyValue) {
  if (Array.isArray(descr)) {
    throw new TensorFormatError('UNSUPPORTED_DTYPE', '.npy holds a structured dtype (record array): not supported, save each field as its own array');
  }
  if (descr instanceof PyTuple) throw new TensorFormatError('UNSUPPORTED_DTYPE', '.npy holds a sub-array dtype: not supported');
  if (typeof descr !== 'string') throw new TensorFormatError('INVALID_HEADER', 'invalid .npy header: descr is not a dtype string');
  const info = parseNumpyDescr(descr);
  if (info) return info;
  const shown = JSON.stringify(descr.length > 40 ? `${descr.slice(0, 40)}...` : descr);
  if (/^[<>|=]?O/.test(descr)) {
    throw new TensorFormatError('UNSUPPORTED_DTYPE', `.npy holds Python objects (descr ${shown}), which only pickle can read: not supported`);
  }
  throw new TensorFormatError('UNSUPPORTED_DTYPE', `.npy dtype ${shown} is not supported (supported: the NumPy equivalents of ${DTYPES.filter((d) => !d.startsWith('F8') && d !== 'BF16').join(' ')})`);
}

/**
 * The header numpy.save writes for an array with this descr and shape (version 1.0, or 2.0 when the header would
 * not fit a u16), byte for byte: keys sorted, shape as a Python tuple (`(n,)` for one dim), padding so the
 * data starts at a multiple of 64.
 */
export function npyHeader(descr: string, shape: readonly number[], fortranOrder = false): Buffer {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${tuple}, }`;
  if (shape.length > 0) {
    const growing = String(shape[fortranOrder ? shape.length - 1 : 0]);
    dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - growing.length));
  }
  const text = Buffer.from(dict, 'latin1');
  for (const [major, lengthBytes] of [[1, 2], [2, 4]] as const) {
    const prefix = 6 + 2 + lengthBytes;
    const withNewline = text.length + 1;
    const padding = ARRAY_ALIGN - ((prefix + withNewline) % ARRAY_ALIGN);
    const headerLength = withNewline + padding;
    if (major === 1 && headerLength > 0xffff) continue;
    const out = Buffer.alloc(prefix + headerLength, 0x20);
    NPY_MAGIC.copy(out, 0);
    out[6] = major;
    out[7] = 0;
    if (major === 1) out.writeUInt16LE(headerLength, 8);
    else out.writeUInt32LE(headerLength, 8);
    text.copy(out, prefix);
    out[out.length - 1] = 0x0a;
    return out;
  }
  throw new Error('unreachable: a version 2.0 header always fits');
}
