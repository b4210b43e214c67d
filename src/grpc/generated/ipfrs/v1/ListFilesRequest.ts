// Original file: schema/ipfrs/v1/tensor_service.proto


export interface ListFilesRequest {
  /**
   * At most this many files (0: the server's default, 20; at most 1000).
   */
  'page_size'?: (number);
  /**
   * next_page_token of the previous page; "" for the first page.
   */
  'page_token'?: (string);
}

export interface ListFilesRequest__Output {
  /**
   * At most this many files (0: the server's default, 20; at most 1000).
   */
  'page_size': (number);
  /**
   * next_page_token of the previous page; "" for the first page.
   */
  'page_token': (string);
}
