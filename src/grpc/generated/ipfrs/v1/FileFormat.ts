// Original file: schema/ipfrs/v1/tensor_service.proto

/**
 * How a file stores its tensors.
 */
export const FileFormat = {
  /**
   * Never sent by the server; in AddFileMetadata: detect it from the bytes.
   */
  FILE_FORMAT_UNSPECIFIED: 'FILE_FORMAT_UNSPECIFIED',
  /**
   * Many named tensors behind a JSON header.
   */
  FILE_FORMAT_SAFETENSORS: 'FILE_FORMAT_SAFETENSORS',
  /**
   * A NumPy .npy file: one tensor.
   */
  FILE_FORMAT_NPY: 'FILE_FORMAT_NPY',
  /**
   * Bare bytes with a declared dtype and shape: one tensor.
   */
  FILE_FORMAT_RAW: 'FILE_FORMAT_RAW',
} as const;

/**
 * How a file stores its tensors.
 */
export type FileFormat =
  /**
   * Never sent by the server; in AddFileMetadata: detect it from the bytes.
   */
  | 'FILE_FORMAT_UNSPECIFIED'
  | 0
  /**
   * Many named tensors behind a JSON header.
   */
  | 'FILE_FORMAT_SAFETENSORS'
  | 1
  /**
   * A NumPy .npy file: one tensor.
   */
  | 'FILE_FORMAT_NPY'
  | 2
  /**
   * Bare bytes with a declared dtype and shape: one tensor.
   */
  | 'FILE_FORMAT_RAW'
  | 3

/**
 * How a file stores its tensors.
 */
export type FileFormat__Output = typeof FileFormat[keyof typeof FileFormat]
