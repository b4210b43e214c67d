"""The GraphQL documents the client sends (the server's schema: schema/schema.graphql in the repository)."""

TENSOR_FIELDS = "cid name dtype shape byteLength byteOffset elementCount littleEndian fortranOrder"
LINK_FIELDS = "url byteLength expiresAt contentType"
ERROR_FIELDS = "... on Error { code message }"
# downloadLink answers a union: the link, or a typed error (a bad expiry, NPY for a dtype NumPy lacks, a tensor name
# the download route cannot serve).
LINK = "{ __typename ... on DownloadLink { " + LINK_FIELDS + " } " + ERROR_FIELDS + " }"


def file_fields(with_ipfs_cid: bool) -> str:
    return "cid size format metadata tensorCount addedAt sourceName" + (" ipfsCid" if with_ipfs_cid else "")


def files_page(with_ipfs_cid: bool) -> str:
    return (
        "query IpfrsFiles($first: Int, $after: String) { tensorFiles(first: $first, after: $after) {"
        " pageInfo { hasNextPage endCursor } edges { node { " + file_fields(with_ipfs_cid) + " } } } }"
    )


def file_with_tensors(with_ipfs_cid: bool, with_links: bool = True) -> str:
    # With each tensor's RAW link: reads of whole tensors and contiguous slices then go straight to Range GETs.
    link = " downloadLink(format: RAW) " + LINK if with_links else ""
    return (
        "query IpfrsFile($cid: CID!, $first: Int, $after: String) { tensorFile(cid: $cid) { "
        + file_fields(with_ipfs_cid)
        + " tensors(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { "
        + TENSOR_FIELDS + link + " } } } } }"
    )


TENSORS_PAGE = (
    "query IpfrsTensors($first: Int, $after: String, $filter: TensorFilter) {"
    " tensors(first: $first, after: $after, filter: $filter) {"
    " pageInfo { hasNextPage endCursor } edges { node { " + TENSOR_FIELDS + " } } } }"
)

TENSOR = "query IpfrsTensor($cid: CID!, $name: String) { tensor(cid: $cid, name: $name) { " + TENSOR_FIELDS + " } }"

# A slice: inline bytes when small, else a link; with $link, also the whole tensor's RAW link, which later
# contiguous reads of the same tensor use as Range requests.
SLICE = (
    "query IpfrsSlice($cid: CID!, $name: String, $spec: String!, $format: SliceFormat!, $inlineLimit: SafeInt,"
    " $link: Boolean!) { tensor(cid: $cid, name: $name) {"
    " slice(spec: $spec, format: $format, inlineLimit: $inlineLimit) { __typename"
    " ... on InlineSlice { base64 shape } ... on DownloadLink { " + LINK_FIELDS + " } " + ERROR_FIELDS + " }"
    " downloadLink(format: RAW) @include(if: $link) " + LINK + " } }"
)

TENSOR_LINK = (
    "query IpfrsTensorLink($cid: CID!, $name: String, $format: SliceFormat!, $expiresIn: Int) {"
    " tensor(cid: $cid, name: $name) { downloadLink(format: $format, expiresIn: $expiresIn) " + LINK + " } }"
)

FILE_LINK = (
    "query IpfrsFileLink($cid: CID!, $expiresIn: Int) {"
    " tensorFile(cid: $cid) { downloadLink(expiresIn: $expiresIn) " + LINK + " } }"
)

CACHE_STATS_FIELDS = (
    "entries maxEntries mappedBytes maxBytes hits misses evictions hitRatio files { cid size hits lastAccess path }"
)
CACHE_STATS = "query IpfrsCacheStats { cacheStats { " + CACHE_STATS_FIELDS + " } }"
CLEAR_CACHE = (
    "mutation IpfrsClearCache { clearCache { __typename ... on CacheStats { " + CACHE_STATS_FIELDS + " } "
    + ERROR_FIELDS + " } }"
)
EVICT = (
    "mutation IpfrsEvict($cid: CID!) { evictFromCache(cid: $cid) { __typename"
    " ... on EvictFromCachePayload { cid evicted } " + ERROR_FIELDS + " } }"
)
WARM = (
    "mutation IpfrsWarm($cid: CID!, $access: CacheAccess!, $populate: Boolean!) {"
    " warmCache(cid: $cid, access: $access, populate: $populate) { __typename"
    " ... on CacheEntry { cid size hits lastAccess path } " + ERROR_FIELDS + " } }"
)


def add_file(with_ipfs_cid: bool) -> str:
    return (
        "mutation IpfrsAdd($file: File!, $dtype: DType, $shape: [SafeInt!], $name: String) {"
        " addTensorFile(file: $file, dtype: $dtype, shape: $shape, name: $name) { __typename"
        " ... on TensorFile { " + file_fields(with_ipfs_cid) + " } " + ERROR_FIELDS + " } }"
    )


DELETE = (
    "mutation IpfrsDelete($cid: CID!) { deleteTensorFile(cid: $cid) { __typename"
    " ... on DeleteTensorFilePayload { cid deleted } " + ERROR_FIELDS + " } }"
)
