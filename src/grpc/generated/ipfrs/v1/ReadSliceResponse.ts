// Original file: schema/ipfrs/v1/tensor_service.proto

import type { SliceHeader as _ipfrs_v1_SliceHeader, SliceHeader__Output as _ipfrs_v1_SliceHeader__Output } from '../../ipfrs/v1/SliceHeader.ts';

export interface ReadSliceResponse {
  /**
   * The first message.
   */
  'header'?: (_ipfrs_v1_SliceHeader | null);
  /**
   * The following ones: consecutive bytes of the answer.
   */
  'data'?: (Buffer | Uint8Array | string);
  'part'?: "header"|"data";
}

export interface ReadSliceResponse__Output {
  /**
   * The first message.
   */
  'header'?: (_ipfrs_v1_SliceHeader__Output | null);
  /**
   * The following ones: consecutive bytes of the answer.
   */
  'data'?: (Buffer);
  'part'?: "header"|"data";
}
