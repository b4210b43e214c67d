// Typed failures of the tensor parsers and the slice planner; callers map `code` onto CLI, GraphQL and HTTP errors.

export type TensorFormatErrorCode =
  /** Neither a safetensors header nor the .npy magic (raw bytes need a declared dtype and shape). */
  | 'UNKNOWN_FORMAT'
  /** Malformed header: bad JSON or Python literal, missing or wrong-typed fields, bad version, file too short. */
  | 'INVALID_HEADER'
  /** A header longer than the limit (100 MB for safetensors, as the reference reader; 1 MiB for .npy). */
  | 'HEADER_TOO_LARGE'
  /** safetensors data_offsets that overlap, leave gaps, or run past the end of the file. */
  | 'INVALID_OFFSETS'
  /** dtype x shape disagrees with the bytes there are (data_offsets, the file size, a raw declaration). */
  | 'SIZE_MISMATCH'
  /** A dtype this store cannot hold (unknown safetensors dtype, complex, structured or object .npy...). */
  | 'UNSUPPORTED_DTYPE'
  /** A shape that is not a list of non-negative safe integers. */
  | 'INVALID_SHAPE'
  /** The same tensor name twice in one header. */
  | 'DUPLICATE_NAME';

export class TensorFormatError extends Error {
  readonly code: TensorFormatErrorCode;
  constructor(code: TensorFormatErrorCode, message: string) {
    super(message);
    this.name = 'TensorFormatError';
    this.code = code;
  }
}

export type SliceSpecErrorCode =
  /** The spec does not parse, or does not fit the tensor (out-of-bounds index, too many indices, zero step). */
  | 'INVALID_SLICE'
  /** The slice would need more byte ranges than the planner allows. */
  | 'TOO_LARGE';

export class SliceSpecError extends Error {
  readonly code: SliceSpecErrorCode;
  /** 0-based character offset in the spec where the problem is, when it is about one place. */
  readonly position: number | null;
  constructor(code: SliceSpecErrorCode, message: string, position: number | null = null) {
    super(message);
    this.name = 'SliceSpecError';
    this.code = code;
    this.position = position;
  }
}
