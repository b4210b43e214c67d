// Original file: schema/ipfrs/v1/tensor_service.proto

import type { SliceFormat as _ipfrs_v1_SliceFormat, SliceFormat__Output as _ipfrs_v1_SliceFormat__Output } from '../../ipfrs/v1/SliceFormat.ts';
import type { Long } from '@grpc/proto-loader';

export interface ReadSliceRequest {
  'cid'?: (string);
  /**
   * May be left out ("") for a .npy or raw file.
   */
  'name'?: (string);
  /**
   * numpy basic indexing as written between brackets: "0:10, :, 5", negative indices, steps, "...";
   * "" is the whole tensor (its stored bytes).
   */
  'spec'?: (string);
  'format'?: (_ipfrs_v1_SliceFormat);
  /**
   * Resume: the first byte to send, counted within the answer (the .npy header included); 0 from the start.
   */
  'offset'?: (number | string | Long);
  /**
   * Bytes per data message (0: 1 MiB; at most 4 MiB, the default message limit of gRPC clients).
   */
  'chunk_size'?: (number);
}

export interface ReadSliceRequest__Output {
  'cid': (string);
  /**
   * May be left out ("") for a .npy or raw file.
   */
  'name': (string);
  /**
   * numpy basic indexing as written between brackets: "0:10, :, 5", negative indices, steps, "...";
   * "" is the whole tensor (its stored bytes).
   */
  'spec': (string);
  'format': (_ipfrs_v1_SliceFormat__Output);
  /**
   * Resume: the first byte to send, counted within the answer (the .npy header included); 0 from the start.
   */
  'offset': (number);
  /**
   * Bytes per data message (0: 1 MiB; at most 4 MiB, the default message limit of gRPC clients).
   */
  'chunk_size': (number);
}
