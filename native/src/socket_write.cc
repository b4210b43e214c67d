#include "socket_write.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <vector>

namespace ipfrs {
namespace {

// Heads are a few hundred bytes: copied to the stack, or to the heap past this.
constexpr size_t kStackHead = 4096;

Napi::Value WriteResponse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsString()) throw Napi::TypeError::New(env, "expected (fd, head[, body])");
  const int64_t fd = info[0].As<Napi::Number>().Int64Value();
  if (fd < 0 || fd > INT32_MAX) throw Napi::RangeError::New(env, "invalid descriptor");

  size_t head_length = 0;
  if (napi_get_value_string_latin1(env, info[1], nullptr, 0, &head_length) != napi_ok) throw Napi::TypeError::New(env, "head must be a string");
  char stack[kStackHead];
  std::vector<char> heap;
  char* head = stack;
  if (head_length + 1 > sizeof stack) {
    heap.resize(head_length + 1);
    head = heap.data();
  }
  size_t copied = 0;
  napi_get_value_string_latin1(env, info[1], head, head_length + 1, &copied);

  iovec parts[2];
  int count = 0;
  if (copied > 0) parts[count++] = {head, copied};
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw Napi::TypeError::New(env, "body must be a Uint8Array");
    }
    Napi::Uint8Array body = info[2].As<Napi::Uint8Array>();
    // The kernel copies from these pages (a mapped file's, often): a page lost to truncation makes sendmsg fail
    // with EFAULT rather than fault in this process.
    if (body.ByteLength() > 0) parts[count++] = {body.Data(), body.ByteLength()};
  }
  if (count == 0) return Napi::Number::New(env, 0);

  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = count;
  ssize_t sent;
  do {
    sent = sendmsg(static_cast<int>(fd), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  return Napi::Number::New(env, sent < 0 ? -static_cast<double>(errno) : static_cast<double>(sent));
}

}  // namespace

void InitSocketWrite(Napi::Env env, Napi::Object exports) {
  exports.Set("writeResponse", Napi::Function::New(env, WriteResponse, "writeResponse"));
}

}  // namespace ipfrs
