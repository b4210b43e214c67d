// Original file: schema/ipfrs/v1/cache_service.proto


export interface EvictRequest {
  'cid'?: (string);
}

export interface EvictRequest__Output {
  'cid': (string);
}
