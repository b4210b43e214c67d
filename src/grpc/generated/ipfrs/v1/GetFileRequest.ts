// Original file: schema/ipfrs/v1/tensor_service.proto


export interface GetFileRequest {
  'cid'?: (string);
}

export interface GetFileRequest__Output {
  'cid': (string);
}
