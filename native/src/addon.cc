// The addon's entry: each concept registers its own functions.
#include <napi.h>

#include "cache.h"
#include "errors.h"
#include "fault_guard.h"
#include "mmap_file.h"
#include "socket_write.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ipfrs::InstallFaultGuard();  // once per process, in front of Node's own SIGBUS/SIGSEGV handlers
  ipfrs::InitErrors(env, exports);
  ipfrs::InitMmapFile(env, exports);
  ipfrs::InitCache(env, exports);
  ipfrs::InitSocketWrite(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(ipfrs_mmap, Init)
