// Original file: schema/ipfrs/v1/tensor_service.proto

import type { Long } from '@grpc/proto-loader';

export interface ReadRangeRequest {
  'cid'?: (string);
  /**
   * First byte, from the start of the file.
   */
  'start'?: (number | string | Long);
  /**
   * One past the last byte; left out: the end of the file.
   */
  'end'?: (number | string | Long);
  /**
   * Bytes per message (0: 1 MiB; at most 4 MiB).
   */
  'chunk_size'?: (number);
  '_end'?: "end";
}

export interface ReadRangeRequest__Output {
  'cid': (string);
  /**
   * First byte, from the start of the file.
   */
  'start': (number);
  /**
   * One past the last byte; left out: the end of the file.
   */
  'end'?: (number);
  /**
   * Bytes per message (0: 1 MiB; at most 4 MiB).
   */
  'chunk_size': (number);
  '_end'?: "end";
}
