// Original file: schema/ipfrs/v1/tensor_service.proto

import type { TensorFile as _ipfrs_v1_TensorFile, TensorFile__Output as _ipfrs_v1_TensorFile__Output } from '../../ipfrs/v1/TensorFile.ts';

export interface ListFilesResponse {
  'files'?: (_ipfrs_v1_TensorFile)[];
  /**
   * Pass as page_token for the next page; "" on the last page.
   */
  'next_page_token'?: (string);
}

export interface ListFilesResponse__Output {
  'files': (_ipfrs_v1_TensorFile__Output)[];
  /**
   * Pass as page_token for the next page; "" on the last page.
   */
  'next_page_token': (string);
}
