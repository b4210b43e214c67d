
      export type PossibleTypesResultData = {
  "possibleTypes": {
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
      "TooLargeError"
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
      "TooLargeError"
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
    