// The native half of MmapCache (src/mmap/mmap-cache.ts keeps the LRU itself in JS, where a hit costs a Map lookup
// rather than a native call): the miss done off the main thread, and the count of mappings still alive in the
// process, which the LRU cannot see once it has let go of a file whose views live on.
#pragma once

#include <napi.h>

namespace ipfrs {

// openAsync(path, flags): Promise<handle>, open + fstat + mmap (+ MAP_POPULATE) + madvise on a libuv worker.
// mappingStats(): { mappings, bytes } not yet unmapped.
void InitCache(Napi::Env env, Napi::Object exports);

}  // namespace ipfrs
