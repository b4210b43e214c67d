// The element types of the safetensors spec, their sizes, and how they map to NumPy's array-protocol descr.

/** Every dtype of the safetensors spec, in the spec's order (also the GraphQL enum's values). */
export const DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'] as const;

export type DType = (typeof DTYPES)[number];

const SIZES: Readonly<Record<DType, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  F64: 8, I64: 8, U64: 8,
};

/** NumPy kind + size (the descr without its byte-order character); BF16 and F8 have none. */
const NUMPY_TYPES: Readonly<Partial<Record<DType, string>>> = {
  BOOL: 'b1', U8: 'u1', I8: 'i1',
  I16: 'i2', U16: 'u2', F16: 'f2',
  I32: 'i4', U32: 'u4', F32: 'f4',
  F64: 'f8', I64: 'i8', U64: 'u8',
};

const FROM_NUMPY = new Map<string, DType>(Object.entries(NUMPY_TYPES).map(([dtype, code]) => [code!, dtype as DType]));

const DTYPE_SET = new Set<string>(DTYPES);

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && DTYPE_SET.has(value);
}

/** Bytes per element. */
export function dtypeSize(dtype: DType): number {
  return SIZES[dtype];
}

/**
 * The descr NumPy writes for this dtype: `|` for single bytes (no byte order), else `<` or `>`.
 * null for the dtypes NumPy lacks (BF16, F8_E5M2, F8_E4M3).
 */
export function numpyDescr(dtype: DType, littleEndian: boolean): string | null {
  const code = NUMPY_TYPES[dtype];
  if (code === undefined) return null;
  if (SIZES[dtype] === 1) return `|${code}`;
  return `${littleEndian ? '<' : '>'}${code}`;
}

export interface DescrInfo {
  dtype: DType;
  /** Single-byte dtypes have no byte order; they count as little-endian. */
  littleEndian: boolean;
}

/**
 * The reverse of numpyDescr, for .npy headers: `<f4`, `>i8`, `|u1`, `|b1`... null for anything else (complex,
 * strings, datetimes, objects, a multi-byte type without an explicit byte order). `<`, `>`, `|` and `=` are all
 * accepted on single-byte types, where numpy treats them alike.
 */
export function parseNumpyDescr(descr: string): DescrInfo | null {
  if (descr.length < 3) return null;
  const order = descr[0]!;
  const dtype = FROM_NUMPY.get(descr.slice(1));
  if (dtype === undefined) return null;
  if (SIZES[dtype] === 1) return '<>|='.includes(order) ? { dtype, littleEndian: true } : null;
  // '=' (native) and '|' on a multi-byte type would make the bytes' meaning depend on the reading machine.
  if (order === '<') return { dtype, littleEndian: true };
  if (order === '>') return { dtype, littleEndian: false };
  return null;
}
