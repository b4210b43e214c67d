
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
    "DeleteTensorFileResult": [
      "DeleteTensorFilePayload",
      "ForbiddenError"
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
    "SliceResult": [
      "DownloadLink",
      "InlineSlice",
      "InvalidArgumentError",
      "InvalidSliceError",
      "NotFoundError",
      "StoreUnavailableError",
      "TooLargeError"
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
    "DeleteTensorFileResult": [
      "DeleteTensorFilePayload",
      "ForbiddenError"
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
    "SliceResult": [
      "DownloadLink",
      "InlineSlice",
      "InvalidArgumentError",
      "InvalidSliceError",
      "NotFoundError",
      "StoreUnavailableError",
      "TooLargeError"
    ],
    "WarmCacheResult": [
      "CacheEntry",
      "ForbiddenError",
      "NotFoundError"
    ]
  }
};
      export default result;
    