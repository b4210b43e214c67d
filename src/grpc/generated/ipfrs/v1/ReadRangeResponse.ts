// Original file: schema/ipfrs/v1/tensor_service.proto

import type { Long } from '@grpc/proto-loader';

export interface ReadRangeResponse {
  'data'?: (Buffer | Uint8Array | string);
  /**
   * Where `data` starts in the file.
   */
  'offset'?: (number | string | Long);
}

export interface ReadRangeResponse__Output {
  'data': (Buffer);
  /**
   * Where `data` starts in the file.
   */
  'offset': (number);
}
