// Original file: schema/ipfrs/v1/tensor_service.proto

import type { SliceFormat as _ipfrs_v1_SliceFormat, SliceFormat__Output as _ipfrs_v1_SliceFormat__Output } from '../../ipfrs/v1/SliceFormat.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * What ReadSlice sends first.
 */
export interface SliceHeader {
  'dtype'?: (string);
  /**
   * Of the slice: an integer index drops its axis.
   */
  'shape'?: (number | string | Long)[];
  /**
   * Bytes of the whole answer (the .npy header included for NPY), whatever the offset.
   */
  'byte_length'?: (number | string | Long);
  'format'?: (_ipfrs_v1_SliceFormat);
  /**
   * Where the data messages that follow start within the answer (the request's offset).
   */
  'offset'?: (number | string | Long);
  'little_endian'?: (boolean);
  /**
   * True when the bytes are column-major: a whole-tensor RAW read of a Fortran-order tensor.
   */
  'fortran_order'?: (boolean);
}

/**
 * What ReadSlice sends first.
 */
export interface SliceHeader__Output {
  'dtype': (string);
  /**
   * Of the slice: an integer index drops its axis.
   */
  'shape': (number)[];
  /**
   * Bytes of the whole answer (the .npy header included for NPY), whatever the offset.
   */
  'byte_length': (number);
  'format': (_ipfrs_v1_SliceFormat__Output);
  /**
   * Where the data messages that follow start within the answer (the request's offset).
   */
  'offset': (number);
  'little_endian': (boolean);
  /**
   * True when the bytes are column-major: a whole-tensor RAW read of a Fortran-order tensor.
   */
  'fortran_order': (boolean);
}
