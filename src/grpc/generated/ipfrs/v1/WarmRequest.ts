// Original file: schema/ipfrs/v1/cache_service.proto

import type { CacheAccess as _ipfrs_v1_CacheAccess, CacheAccess__Output as _ipfrs_v1_CacheAccess__Output } from '../../ipfrs/v1/CacheAccess.ts';

export interface WarmRequest {
  'cid'?: (string);
  'access'?: (_ipfrs_v1_CacheAccess);
  /**
   * Pre-fault every page (done off the main thread).
   */
  'populate'?: (boolean);
}

export interface WarmRequest__Output {
  'cid': (string);
  'access': (_ipfrs_v1_CacheAccess__Output);
  /**
   * Pre-fault every page (done off the main thread).
   */
  'populate': (boolean);
}
