// Original file: schema/ipfrs/v1/cache_service.proto


export interface ClearRequest {
}

export interface ClearRequest__Output {
}
