// Failures, and how they cross into JS as MmapError. The error class is defined in JS (src/mmap/errors.ts) and
// registered once with setErrorFactory; C++ calls it so every error has the JS class, its code and a JS stack.
#pragma once

#include <napi.h>

#include <string>

namespace ipfrs {

// The codes of MmapError, in the order of kCodeNames in errors.cc.
// kIoError: a guarded copy faulted (the file shrank under its mapping); see fault_guard.h.
enum class ErrorCode { kFileNotFound, kNotAFile, kPermissionDenied, kInvalidRange, kMmapFailed, kClosed, kIoError };

// A failure described without touching JS, so a worker thread can fill one in and the main thread throw it.
struct Failure {
  bool failed = false;
  ErrorCode code = ErrorCode::kMmapFailed;
  int err = 0;  // errno, 0 when the failure is not a system call's
  const char* syscall = nullptr;
  std::string path;  // the file concerned (every failure of this addon has one)
  std::string message;
};

// A system call's failure: errno decides the code (ENOENT -> FILE_NOT_FOUND, EACCES -> PERMISSION_DENIED, ...).
Failure SystemFailure(int err, const char* syscall, const std::string& path);
// A failure that is not a system call's (INVALID_RANGE, NOT_A_FILE, CLOSED, IO_ERROR).
Failure PlainFailure(ErrorCode code, std::string message, std::string path = std::string());

// The MmapError for a failure, made by the registered JS factory (a plain Error with .code before registration).
Napi::Value MakeError(Napi::Env env, const Failure& failure);
// Throws the failure's MmapError (as a C++ exception that node-addon-api turns into a JS one).
[[noreturn]] void Throw(Napi::Env env, const Failure& failure);

// exports.setErrorFactory(fn): fn(code, message, path, errno, syscall) returns the error to throw.
void InitErrors(Napi::Env env, Napi::Object exports);

}  // namespace ipfrs
