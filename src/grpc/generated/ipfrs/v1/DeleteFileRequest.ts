// Original file: schema/ipfrs/v1/tensor_service.proto


export interface DeleteFileRequest {
  'cid'?: (string);
}

export interface DeleteFileRequest__Output {
  'cid': (string);
}
