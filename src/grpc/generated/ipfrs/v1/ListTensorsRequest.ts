// Original file: schema/ipfrs/v1/tensor_service.proto


export interface ListTensorsRequest {
  /**
   * Tensor names starting with this (case-sensitive); "" for all.
   */
  'name_prefix'?: (string);
  /**
   * Only tensors of this dtype (e.g. "F32"); "" for all.
   */
  'dtype'?: (string);
  /**
   * At most this many tensors (0: the server's default, 20; at most 1000).
   */
  'page_size'?: (number);
  /**
   * next_page_token of the previous page; "" for the first page.
   */
  'page_token'?: (string);
  /**
   * Only the tensors of this file; "" for every file.
   */
  'cid'?: (string);
}

export interface ListTensorsRequest__Output {
  /**
   * Tensor names starting with this (case-sensitive); "" for all.
   */
  'name_prefix': (string);
  /**
   * Only tensors of this dtype (e.g. "F32"); "" for all.
   */
  'dtype': (string);
  /**
   * At most this many tensors (0: the server's default, 20; at most 1000).
   */
  'page_size': (number);
  /**
   * next_page_token of the previous page; "" for the first page.
   */
  'page_token': (string);
  /**
   * Only the tensors of this file; "" for every file.
   */
  'cid': (string);
}
