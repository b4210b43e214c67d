#include "mmap_file.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "fault_guard.h"

namespace ipfrs {
namespace {

// Handles are checked with this tag before they are unwrapped, so a foreign External (or any other value) passed
// in from JS is a TypeError rather than a wild pointer.
constexpr napi_type_tag kFileHandleTag = {0x6970667273a1b2c3ULL, 0x6d6d61704b1d0e5fULL};

// The largest gather: Node 20's largest Buffer (buffer.constants.MAX_LENGTH). Later Nodes allow more, but a copy
// that large, made on the main thread, belongs in a stream of views instead.
constexpr uint64_t kMaxGather = uint64_t{1} << 32;

struct FileHandle {
  Mapping* mapping;  // null once closed
  std::string path;  // kept for CLOSED messages after the mapping has gone
};

FileHandle* Unwrap(Napi::Env env, const Napi::Value& value) {
  if (!value.IsExternal()) throw Napi::TypeError::New(env, "expected an mmap file handle");
  Napi::External<FileHandle> external = value.As<Napi::External<FileHandle>>();
  if (!external.CheckTypeTag(&kFileHandleTag)) throw Napi::TypeError::New(env, "expected an mmap file handle");
  return external.Data();
}

Mapping* OpenMapping(Napi::Env env, FileHandle* handle) {
  if (handle->mapping == nullptr) Throw(env, PlainFailure(ErrorCode::kClosed, "the file is closed: '" + handle->path + "'", handle->path));
  return handle->mapping;
}

uint32_t FlagsArg(Napi::Env env, const Napi::Value& value) {
  if (!value.IsNumber()) throw Napi::TypeError::New(env, "advice flags must be a number");
  const double flags = value.As<Napi::Number>().DoubleValue();
  if (!(flags >= 0 && flags <= 31 && std::floor(flags) == flags)) throw Napi::RangeError::New(env, "advice flags out of range");
  return static_cast<uint32_t>(flags);
}

std::string FormatNumber(double value) {
  char text[40];
  if (std::isfinite(value) && std::floor(value) == value && std::fabs(value) < 9.2e18) {
    std::snprintf(text, sizeof text, "%" PRId64, static_cast<int64_t>(value));
  } else {
    std::snprintf(text, sizeof text, "%.17g", value);
  }
  return text;
}

// An offset into a file of `size` bytes: an integer in [0, size].
bool IsOffset(double value, uint64_t size) {
  return value >= 0 && std::floor(value) == value && value <= static_cast<double>(size);
}

Failure InvalidRange(const std::string& what, double start, double end, const Mapping* mapping) {
  return PlainFailure(ErrorCode::kInvalidRange,
                      what + " [" + FormatNumber(start) + ", " + FormatNumber(end) + ") is outside '" + mapping->path() +
                          "' (" + std::to_string(mapping->size()) + " bytes)",
                      mapping->path());
}

// A guarded copy faulted: the file lost the pages under [start, end) since it was mapped.
Failure ChangedUnderMapping(const Mapping* mapping, uint64_t start, uint64_t end) {
  return PlainFailure(ErrorCode::kIoError,
                      "the file changed under the mapping: bytes [" + std::to_string(start) + ", " + std::to_string(end) + ") of '" +
                          mapping->path() + "' (mapped with " + std::to_string(mapping->size()) +
                          " bytes) can no longer be read; it was truncated or rewritten in place",
                      mapping->path());
}

// advise(handle, flags): madvise on the calling thread.
Napi::Value Advise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Mapping* mapping = OpenMapping(env, Unwrap(env, info[0]));
  Failure failure = mapping->Advise(FlagsArg(env, info[1]));
  if (failure.failed) Throw(env, failure);
  return env.Undefined();
}

// adviseAsync: the same on a libuv worker, for populate and WILLNEED over large files. The worker holds its own
// reference, so close() or eviction meanwhile cannot unmap under it.
class AdviseWorker : public Napi::AsyncWorker {
 public:
  AdviseWorker(Napi::Env env, Mapping* mapping, uint32_t flags)
      : Napi::AsyncWorker(env, "ipfrs:mmap:advise"), deferred_(Napi::Promise::Deferred::New(env)), mapping_(mapping), flags_(flags) {
    mapping_->Retain();
  }
  ~AdviseWorker() override { mapping_->Release(); }
  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { failure_ = mapping_->Advise(flags_); }
  void OnOK() override {
    if (failure_.failed) {
      deferred_.Reject(MakeError(Env(), failure_));
    } else {
      deferred_.Resolve(Env().Undefined());
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  Mapping* const mapping_;
  const uint32_t flags_;
  Failure failure_;
};

Napi::Value AdviseAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Mapping* mapping = OpenMapping(env, Unwrap(env, info[0]));
  auto* worker = new AdviseWorker(env, mapping, FlagsArg(env, info[1]));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// open(path, flags): the synchronous open + map.
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.find('\0') != std::string::npos) throw Napi::TypeError::New(env, "path must not contain NUL bytes");
  Failure failure;
  Mapping* mapping = Mapping::Open(path, FlagsArg(env, info[1]), &failure);
  if (mapping == nullptr) Throw(env, failure);
  return WrapMapping(env, mapping);
}

Napi::Value Size(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileHandle* handle = Unwrap(env, info[0]);
  return Napi::Number::New(env, handle->mapping == nullptr ? 0 : static_cast<double>(handle->mapping->size()));
}

// view(handle, offset, length): one external Buffer over [offset, offset + length) of the mapping, holding a
// reference until it is collected. Expensive (3-50 us): the JS side makes one per mapping (or per window of a file
// larger than a Buffer) and cuts ranges from it with subarray. A length past buffer.constants.MAX_LENGTH fails in
// Buffer creation; the JS side never asks for one.
Napi::Value View(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Mapping* mapping = OpenMapping(env, Unwrap(env, info[0]));
  if (!info[1].IsNumber() || !info[2].IsNumber()) throw Napi::TypeError::New(env, "offset and length must be numbers");
  const double offset = info[1].As<Napi::Number>().DoubleValue();
  const double length = info[2].As<Napi::Number>().DoubleValue();
  if (!IsOffset(offset, mapping->size()) || !IsOffset(length, mapping->size() - static_cast<uint64_t>(offset))) {
    Throw(env, InvalidRange("view", offset, offset + length, mapping));
  }
  if (length == 0) return Napi::Buffer<uint8_t>::New(env, 0);
  uint8_t* data = const_cast<uint8_t*>(mapping->data()) + static_cast<uint64_t>(offset);
  mapping->Retain();
  try {
    return Napi::Buffer<uint8_t>::New(env, data, static_cast<size_t>(length), [](Napi::Env, uint8_t*, Mapping* held) { held->Release(); }, mapping);
  } catch (...) {
    mapping->Release();
    throw;
  }
}

// gather(handle, Float64Array [s0, e0, s1, e1, ...]): one Buffer holding the ranges one after another. Every range
// is validated before anything is allocated, and copied out of the array first (it may be shared and change).
// The copies are guarded: a file truncated under the mapping gives IO_ERROR, not SIGBUS.
Napi::Value Gather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Mapping* mapping = OpenMapping(env, Unwrap(env, info[0]));
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(env, "gather expects a Float64Array of [start, end) pairs");
  }
  Napi::Float64Array flat = info[1].As<Napi::Float64Array>();
  const size_t count = flat.ElementLength();
  if (count % 2 != 0) {
    Throw(env, PlainFailure(ErrorCode::kInvalidRange, "gather expects [start, end) pairs: got " + std::to_string(count) + " numbers", mapping->path()));
  }
  std::vector<std::pair<uint64_t, uint64_t>> ranges(count / 2);
  uint64_t total = 0;
  const double* values = flat.Data();
  for (size_t i = 0; i < ranges.size(); i++) {
    const double start = values[2 * i];
    const double end = values[2 * i + 1];
    if (!IsOffset(start, mapping->size()) || !IsOffset(end, mapping->size()) || start > end) {
      Throw(env, InvalidRange("range " + std::to_string(i), start, end, mapping));
    }
    ranges[i] = {static_cast<uint64_t>(start), static_cast<uint64_t>(end)};
    total += ranges[i].second - ranges[i].first;
    if (total > kMaxGather) {
      Throw(env, PlainFailure(ErrorCode::kInvalidRange, "the gathered ranges add up to more than " + std::to_string(kMaxGather) + " bytes",
                              mapping->path()));
    }
  }
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, static_cast<size_t>(total));
  uint8_t* cursor = out.Data();
  for (const auto& range : ranges) {
    const uint64_t length = range.second - range.first;
    if (length == 0) continue;  // also keeps memcpy away from an empty file's null data
    if (!GuardedCopy(cursor, mapping->data() + range.first, length)) Throw(env, ChangedUnderMapping(mapping, range.first, range.second));
    cursor += length;
  }
  return out;
}

// copy(handle, start, end): a new (not external) Buffer holding a copy of [start, end), made by a guarded copy, for
// readers that touch the bytes in JS (base64, value decoding): a fault there would kill the process, here it is
// IO_ERROR. The JS side validates first; this checks again, as for view.
Napi::Value Copy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Mapping* mapping = OpenMapping(env, Unwrap(env, info[0]));
  if (!info[1].IsNumber() || !info[2].IsNumber()) throw Napi::TypeError::New(env, "start and end must be numbers");
  const double start = info[1].As<Napi::Number>().DoubleValue();
  const double end = info[2].As<Napi::Number>().DoubleValue();
  if (!IsOffset(start, mapping->size()) || !IsOffset(end, mapping->size()) || start > end) Throw(env, InvalidRange("range", start, end, mapping));
  const uint64_t first = static_cast<uint64_t>(start);
  const uint64_t length = static_cast<uint64_t>(end) - first;
  if (length > kMaxGather) {
    Throw(env, PlainFailure(ErrorCode::kInvalidRange, "a copy of more than " + std::to_string(kMaxGather) + " bytes", mapping->path()));
  }
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, static_cast<size_t>(length));
  if (length != 0 && !GuardedCopy(out.Data(), mapping->data() + first, static_cast<size_t>(length))) {
    Throw(env, ChangedUnderMapping(mapping, first, first + length));
  }
  return out;
}

// close(handle): drops the handle's reference; views keep theirs. True if it was open.
Napi::Value Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileHandle* handle = Unwrap(env, info[0]);
  if (handle->mapping == nullptr) return Napi::Boolean::New(env, false);
  Mapping* mapping = handle->mapping;
  handle->mapping = nullptr;
  mapping->Release();
  return Napi::Boolean::New(env, true);
}

}  // namespace

Napi::Value WrapMapping(Napi::Env env, Mapping* mapping) {
  auto* handle = new FileHandle{mapping, mapping->path()};
  Napi::External<FileHandle> external = Napi::External<FileHandle>::New(env, handle, [](Napi::Env, FileHandle* dropped) {
    if (dropped->mapping != nullptr) dropped->mapping->Release();  // collected without close()
    delete dropped;
  });
  external.TypeTag(&kFileHandleTag);
  return external;
}

void InitMmapFile(Napi::Env env, Napi::Object exports) {
  exports.Set("open", Napi::Function::New(env, Open, "open"));
  exports.Set("size", Napi::Function::New(env, Size, "size"));
  exports.Set("view", Napi::Function::New(env, View, "view"));
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
  exports.Set("copy", Napi::Function::New(env, Copy, "copy"));
  exports.Set("advise", Napi::Function::New(env, Advise, "advise"));
  exports.Set("adviseAsync", Napi::Function::New(env, AdviseAsync, "adviseAsync"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  Napi::Object flags = Napi::Object::New(env);
  flags.Set("sequential", static_cast<double>(kSequential));
  flags.Set("random", static_cast<double>(kRandom));
  flags.Set("hugepages", static_cast<double>(kHugepages));
  flags.Set("populate", static_cast<double>(kPopulate));
  flags.Set("willNeed", static_cast<double>(kWillNeed));
  exports.Set("flags", flags);
}

}  // namespace ipfrs
