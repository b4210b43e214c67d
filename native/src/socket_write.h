// Writing a small response straight to a socket's descriptor: the download lane's answers (src/server/
// download-lane.ts) that fit in one send skip Node's stream machinery (a WriteWrap, the Writable state, a heap copy
// of the head string), which is a good part of what a 4 KiB range request costs in JS.
#pragma once

#include <napi.h>

namespace ipfrs {

// writeResponse(fd, head: latin1 string, body?: Uint8Array): number. One sendmsg(MSG_DONTWAIT | MSG_NOSIGNAL) of
// the head and the body: the bytes sent (possibly fewer than given), or -errno (-EAGAIN when the send buffer is
// full). The caller makes sure nothing else is queued on the socket, and writes any rest through it.
void InitSocketWrite(Napi::Env env, Napi::Object exports);

}  // namespace ipfrs
