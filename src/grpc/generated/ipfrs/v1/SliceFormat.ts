// Original file: schema/ipfrs/v1/tensor_service.proto

/**
 * The bytes ReadSlice sends.
 */
export const SliceFormat = {
  /**
   * The elements in C order, in the tensor's byte order (a whole-tensor read: the stored bytes as they are).
   */
  SLICE_FORMAT_RAW: 'SLICE_FORMAT_RAW',
  /**
   * A NumPy .npy file (header + data) that numpy.load reads.
   */
  SLICE_FORMAT_NPY: 'SLICE_FORMAT_NPY',
  /**
   * An Arrow IPC stream: one non-null column `data` of the elements in C order; the schema metadata holds `shape`
   * (JSON) and `dtype`. BF16 and F8 travel as uint16 and uint8.
   */
  SLICE_FORMAT_ARROW: 'SLICE_FORMAT_ARROW',
  /**
   * A standalone .safetensors file holding the one tensor or slice (C order, little-endian).
   */
  SLICE_FORMAT_SAFETENSORS: 'SLICE_FORMAT_SAFETENSORS',
} as const;

/**
 * The bytes ReadSlice sends.
 */
export type SliceFormat =
  /**
   * The elements in C order, in the tensor's byte order (a whole-tensor read: the stored bytes as they are).
   */
  | 'SLICE_FORMAT_RAW'
  | 0
  /**
   * A NumPy .npy file (header + data) that numpy.load reads.
   */
  | 'SLICE_FORMAT_NPY'
  | 1
  /**
   * An Arrow IPC stream: one non-null column `data` of the elements in C order; the schema metadata holds `shape`
   * (JSON) and `dtype`. BF16 and F8 travel as uint16 and uint8.
   */
  | 'SLICE_FORMAT_ARROW'
  | 2
  /**
   * A standalone .safetensors file holding the one tensor or slice (C order, little-endian).
   */
  | 'SLICE_FORMAT_SAFETENSORS'
  | 3

/**
 * The bytes ReadSlice sends.
 */
export type SliceFormat__Output = typeof SliceFormat[keyof typeof SliceFormat]
