// Original file: schema/ipfrs/v1/cache_service.proto


export interface GetStatsRequest {
}

export interface GetStatsRequest__Output {
}
