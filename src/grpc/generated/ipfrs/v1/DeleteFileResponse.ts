// Original file: schema/ipfrs/v1/tensor_service.proto


export interface DeleteFileResponse {
  'cid'?: (string);
  /**
   * False when there was no such file.
   */
  'deleted'?: (boolean);
}

export interface DeleteFileResponse__Output {
  'cid': (string);
  /**
   * False when there was no such file.
   */
  'deleted': (boolean);
}
