#include "errors.h"

#include <cerrno>
#include <cstring>
#include <utility>

namespace ipfrs {
namespace {

const char* const kCodeNames[] = {"FILE_NOT_FOUND", "NOT_A_FILE", "PERMISSION_DENIED", "INVALID_RANGE", "MMAP_FAILED", "CLOSED", "IO_ERROR"};

// Per-environment state (one per main thread or worker): the JS error factory.
struct ErrorsData {
  Napi::FunctionReference factory;
};

ErrorCode CodeForErrno(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:  // a path component is a file: nothing is found at that path
      return ErrorCode::kFileNotFound;
    case EACCES:
    case EPERM:
      return ErrorCode::kPermissionDenied;
    case EISDIR:
      return ErrorCode::kNotAFile;
    default:
      return ErrorCode::kMmapFailed;
  }
}

const char* Describe(ErrorCode code) {
  switch (code) {
    case ErrorCode::kFileNotFound: return "no such file";
    case ErrorCode::kPermissionDenied: return "permission denied";
    case ErrorCode::kNotAFile: return "not a regular file";
    default: return "cannot map the file";
  }
}

Napi::Value FactoryOrNull(Napi::Env env) {
  ErrorsData* data = env.GetInstanceData<ErrorsData>();
  if (data == nullptr || data->factory.IsEmpty()) return env.Null();
  return data->factory.Value();
}

Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "setErrorFactory expects a function");
  ErrorsData* data = env.GetInstanceData<ErrorsData>();
  data->factory = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

}  // namespace

Failure SystemFailure(int err, const char* syscall, const std::string& path) {
  Failure failure;
  failure.failed = true;
  failure.code = CodeForErrno(err);
  failure.err = err;
  failure.syscall = syscall;
  failure.path = path;
  const char* name = strerrorname_np(err);
  failure.message = std::string(Describe(failure.code)) + ": " + syscall + " '" + path + "' (" + (name ? name : "E?") +
                    ": " + std::strerror(err) + ")";
  return failure;
}

Failure PlainFailure(ErrorCode code, std::string message, std::string path) {
  Failure failure;
  failure.failed = true;
  failure.code = code;
  failure.message = std::move(message);
  failure.path = std::move(path);
  return failure;
}

Napi::Value MakeError(Napi::Env env, const Failure& failure) {
  const char* code = kCodeNames[static_cast<int>(failure.code)];
  Napi::Value factory = FactoryOrNull(env);
  Napi::Value path = Napi::String::New(env, failure.path);  // every failure here concerns one file
  Napi::Value err = failure.err == 0 ? env.Undefined() : Napi::Number::New(env, failure.err);
  Napi::Value syscall = failure.syscall == nullptr ? env.Undefined() : Napi::String::New(env, failure.syscall);
  if (factory.IsFunction()) {
    return factory.As<Napi::Function>().Call({Napi::String::New(env, code), Napi::String::New(env, failure.message), path, err, syscall});
  }
  Napi::Error plain = Napi::Error::New(env, failure.message);
  plain.Set("code", code);
  return plain.Value();
}

void Throw(Napi::Env env, const Failure& failure) {
  throw Napi::Error(env, MakeError(env, failure));
}

void InitErrors(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new ErrorsData());
  exports.Set("setErrorFactory", Napi::Function::New(env, SetErrorFactory, "setErrorFactory"));
}

}  // namespace ipfrs
