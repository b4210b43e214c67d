// Original file: schema/ipfrs/v1/cache_service.proto


export interface EvictResponse {
  'cid'?: (string);
  /**
   * False when the file was not mapped.
   */
  'evicted'?: (boolean);
}

export interface EvictResponse__Output {
  'cid': (string);
  /**
   * False when the file was not mapped.
   */
  'evicted': (boolean);
}
