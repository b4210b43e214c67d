
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "AddFromPeersResult": [
      "ForbiddenError",
      "InvalidArgumentError",
      "TensorFile",
      "UnavailableError"
    ],
    "AddTensorFileResult": [
      "ForbiddenError",
      "InvalidArgumentError",
      "InvalidFileError",
      "TensorFile",
      "TooLargeError"
    ],
    "ClearCacheResult": [
      "CacheStats",
      "ForbiddenError"
    ],
    "CreateTokenResult": [
      "CreatedToken",
      "ForbiddenError",
      "InvalidArgumentError"
    ],
    "DeleteTensorFileResult": [
      "DeleteTensorFilePayload",
      "ForbiddenError"
    ],
    "DownloadLinkResult": [
      "DownloadLink",
      "InvalidArgumentError"
    ],
    "Error": [
      "ForbiddenError",
      "InvalidArgumentError",
      "InvalidFileError",
      "InvalidRangeError",
      "InvalidSliceError",
      "NotFoundError",
      "StoreUnavailableError",
      "TooLargeError",
      "UnavailableError"
    ],
    "EvictFromCacheResult": [
      "EvictFromCachePayload",
      "ForbiddenError"
    ],
    "Node": [
      "Tensor",
      "TensorFile"
    ],
    "RangeResult": [
      "DownloadLink",
      "InlineBytes",
      "InvalidArgumentError",
      "InvalidRangeError",
      "NotFoundError",
      "StoreUnavailableError",
      "TooLargeError"
    ],
    "RevokeTokenResult": [
      "ForbiddenError",
      "InvalidArgumentError",
      "NotFoundError",
      "RevokeTokenPayload"
    ],
    "SliceResult": [
      "DownloadLink",
      "InlineSlice",
      "InvalidArgumentError",
      "InvalidSliceError",
      "NotFoundError",
      "StoreUnavailableError",
      "TooLargeError"
    ],
    "TokensResult": [
      "ForbiddenError",
      "InvalidArgumentError",
      "TokenList"
    ],
    "WarmCacheResult": [
      "CacheEntry",
      "ForbiddenError",
      "NotFoundError"
    ]
  }
};
      const result: PossibleTypesResultData = {
  "possibleTypes": {
    "AddFromPeersResult": [
      "ForbiddenError",
      "InvalidArgumentError",
      "TensorFile",
      "UnavailableError"
    ],
    "AddTensorFileResult": [
      "ForbiddenError",
      "InvalidArgumentError",
      "InvalidFileError",
      "TensorFile",
      "TooLargeError"
    ],
    "ClearCacheResult": [
      "CacheStats",
      "ForbiddenError"
    ],
    "CreateTokenResult": [
      "CreatedToken",
      "ForbiddenError",
      "InvalidArgumentError"
    ],
    "DeleteTensorFileResult": [
      "DeleteTensorFilePayload",
      "ForbiddenError"
    ],
    "DownloadLinkResult": [
      "DownloadLink",
      "InvalidArgumentError"
    ],
    "Error": [
      "ForbiddenError",
      "InvalidArgumentError",
      "InvalidFileError",
      "InvalidRangeError",
      "InvalidSliceError",
      "NotFoundError",
      "StoreUnavailableError",
      "TooLargeError",
      "UnavailableError"
    ],
    "EvictFromCacheResult": [
      "EvictFromCachePayload",
      "ForbiddenError"
    ],
    "Node": [
      "Tensor",
      "TensorFile"
    ],
    "RangeResult": [
      "DownloadLink",
      "InlineBytes",
      "InvalidArgumentError",
      "InvalidRangeError",
      "NotFoundError",
      "StoreUnavailableError",
      "TooLargeError"
    ],
    "RevokeTokenResult": [
      "ForbiddenError",
      "InvalidArgumentError",
      "NotFoundError",
      "RevokeTokenPayload"
    ],
    "SliceResult": [
      "DownloadLink",
      "InlineSlice",
      "InvalidArgumentError",
      "InvalidSliceError",
      "NotFoundError",
      "StoreUnavailableError",
      "TooLargeError"
    ],
    "TokensResult": [
      "ForbiddenError",
      "InvalidArgumentError",
      "TokenList"
    ],
    "WarmCacheResult": [
      "CacheEntry",
      "ForbiddenError",
      "NotFoundError"
    ]
  }
};
      export default result;
    