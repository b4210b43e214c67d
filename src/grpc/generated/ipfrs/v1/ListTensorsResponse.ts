// Original file: schema/ipfrs/v1/tensor_service.proto

import type { Tensor as _ipfrs_v1_Tensor, Tensor__Output as _ipfrs_v1_Tensor__Output } from '../../ipfrs/v1/Tensor.ts';

export interface ListTensorsResponse {
  'tensors'?: (_ipfrs_v1_Tensor)[];
  /**
   * Pass as page_token for the next page; "" on the last page.
   */
  'next_page_token'?: (string);
}

export interface ListTensorsResponse__Output {
  'tensors': (_ipfrs_v1_Tensor__Output)[];
  /**
   * Pass as page_token for the next page; "" on the last page.
   */
  'next_page_token': (string);
}
