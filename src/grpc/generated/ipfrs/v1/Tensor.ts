// Original file: schema/ipfrs/v1/tensor_service.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A named tensor inside a file.
 */
export interface Tensor {
  /**
   * The CID of the file holding the tensor.
   */
  'cid'?: (string);
  'name'?: (string);
  /**
   * The safetensors spelling, as in GraphQL: BOOL U8 I8 F8_E5M2 F8_E4M3 I16 U16 F16 BF16 I32 U32 F32 F64 I64 U64.
   */
  'dtype'?: (string);
  'shape'?: (number | string | Long)[];
  /**
   * In elements, not bytes.
   */
  'strides'?: (number | string | Long)[];
  'element_count'?: (number | string | Long);
  /**
   * Of the first byte, from the start of the file.
   */
  'byte_offset'?: (number | string | Long);
  'byte_length'?: (number | string | Long);
  'little_endian'?: (boolean);
  /**
   * Stored column-major (a .npy with fortran_order).
   */
  'fortran_order'?: (boolean);
}

/**
 * A named tensor inside a file.
 */
export interface Tensor__Output {
  /**
   * The CID of the file holding the tensor.
   */
  'cid': (string);
  'name': (string);
  /**
   * The safetensors spelling, as in GraphQL: BOOL U8 I8 F8_E5M2 F8_E4M3 I16 U16 F16 BF16 I32 U32 F32 F64 I64 U64.
   */
  'dtype': (string);
  'shape': (number)[];
  /**
   * In elements, not bytes.
   */
  'strides': (number)[];
  'element_count': (number);
  /**
   * Of the first byte, from the start of the file.
   */
  'byte_offset': (number);
  'byte_length': (number);
  'little_endian': (boolean);
  /**
   * Stored column-major (a .npy with fortran_order).
   */
  'fortran_order': (boolean);
}
