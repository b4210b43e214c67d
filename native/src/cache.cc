#include "cache.h"

#include <string>
#include <utility>

#include "errors.h"
#include "mapping.h"
#include "mmap_file.h"

namespace ipfrs {
namespace {

class OpenWorker : public Napi::AsyncWorker {
 public:
  OpenWorker(Napi::Env env, std::string path, uint32_t flags)
      : Napi::AsyncWorker(env, "ipfrs:mmap:open"), deferred_(Napi::Promise::Deferred::New(env)), path_(std::move(path)), flags_(flags) {}
  ~OpenWorker() override {
    if (mapping_ != nullptr) mapping_->Release();  // not handed to JS (the environment went away first)
  }
  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { mapping_ = Mapping::Open(path_, flags_, &failure_); }
  void OnOK() override {
    if (mapping_ == nullptr) {
      deferred_.Reject(MakeError(Env(), failure_));
      return;
    }
    Mapping* mapping = mapping_;
    mapping_ = nullptr;  // the handle owns the reference from here
    deferred_.Resolve(WrapMapping(Env(), mapping));
  }

 private:
  Napi::Promise::Deferred deferred_;
  const std::string path_;
  const uint32_t flags_;
  Mapping* mapping_ = nullptr;
  Failure failure_;
};

Napi::Value OpenAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.find('\0') != std::string::npos) throw Napi::TypeError::New(env, "path must not contain NUL bytes");
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "advice flags must be a number");
  const double flags = info[1].As<Napi::Number>().DoubleValue();
  if (!(flags >= 0 && flags <= 31 && static_cast<double>(static_cast<uint32_t>(flags)) == flags)) {
    throw Napi::RangeError::New(env, "advice flags out of range");
  }
  auto* worker = new OpenWorker(env, std::move(path), static_cast<uint32_t>(flags));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value MappingStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object stats = Napi::Object::New(env);
  stats.Set("mappings", static_cast<double>(Mapping::LiveCount()));
  stats.Set("bytes", static_cast<double>(Mapping::LiveBytes()));
  return stats;
}

}  // namespace

void InitCache(Napi::Env env, Napi::Object exports) {
  exports.Set("openAsync", Napi::Function::New(env, OpenAsync, "openAsync"));
  exports.Set("mappingStats", Napi::Function::New(env, MappingStats, "mappingStats"));
}

}  // namespace ipfrs
