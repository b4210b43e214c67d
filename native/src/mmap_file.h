// The JS face of a Mapping: a type-tagged External handle (src/mmap/mmap-file.ts keeps it private) and the
// functions that take it: open, size, view, gather, copy, advise, adviseAsync, close.
#pragma once

#include <napi.h>

#include <string>

#include "mapping.h"

namespace ipfrs {

// Wraps a mapping in a new handle, which takes over the caller's reference (dropped by close or by GC).
Napi::Value WrapMapping(Napi::Env env, Mapping* mapping);

void InitMmapFile(Napi::Env env, Napi::Object exports);

}  // namespace ipfrs
