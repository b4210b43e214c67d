// Original file: schema/ipfrs/v1/cache_service.proto


export interface WatchStatsRequest {
  /**
   * How often to look for changes (0: 1000; 100 to 3600000).
   */
  'interval_ms'?: (number);
}

export interface WatchStatsRequest__Output {
  /**
   * How often to look for changes (0: 1000; 100 to 3600000).
   */
  'interval_ms': (number);
}
