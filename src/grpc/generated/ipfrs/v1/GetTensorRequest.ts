// Original file: schema/ipfrs/v1/tensor_service.proto


export interface GetTensorRequest {
  'cid'?: (string);
  /**
   * May be left out ("") for a .npy or raw file, which holds one tensor.
   */
  'name'?: (string);
}

export interface GetTensorRequest__Output {
  'cid': (string);
  /**
   * May be left out ("") for a .npy or raw file, which holds one tensor.
   */
  'name': (string);
}
