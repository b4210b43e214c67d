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
 * The bytes ReadSlice sends.
 */
export type SliceFormat__Output = typeof SliceFormat[keyof typeof SliceFormat]
