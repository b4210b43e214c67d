// Reads out of a mapping that survive the file shrinking under it.
//
// A file truncated (or rewritten shorter) while it is mapped raises SIGBUS on the next touch of a page past its new
// end, which kills the process. Objects are immutable and the store re-checks sizes on every open, but a
// truncation can still race a copy already under way. So every copy C++ makes out of a mapping goes through
// GuardedCopy, which turns such a fault into a false return.
//
// How, without leaving a signal handler by a jump: on x86-64 the copy is a small assembly routine that never
// touches the stack. A SIGBUS/SIGSEGV whose instruction pointer lies inside it and whose address lies in the
// current thread's guarded source range is answered by moving the saved instruction pointer to the routine's
// fault exit and returning from the handler: the kernel's sigreturn then restores everything it changed for the
// handler (signal mask, PKRU, alternate stack, FPU state). The Linux kernel's copy_from_user works the same way.
// An earlier version left the handler by siglongjmp: that skipped sigreturn and left PKRU at the kernel's
// default for signal handlers, which locks V8 out of its pkey-protected memory, so the next WebAssembly trap of
// that thread died of SIGSEGV (issue 21).
// Elsewhere the copy is process_vm_readv on this process, which reports lost pages as a short read (EFAULT) and
// raises no signal at all; no handler is installed there.
//
// Every other fault is passed on unchanged to the handler that was installed before ours (Node's, which gives
// WebAssembly out-of-bounds traps to V8, or the default action), so the process behaves as it did without us.
// A signal sent with kill()/raise() (si_code <= 0) is never taken as a fault, even inside a guarded copy.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ipfrs {

// Installs the SIGBUS and SIGSEGV handlers where the copy needs them (x86-64); the first call (per process) does
// it, later calls do nothing. Thread-safe. Called from the addon's Init, so the previous handlers are Node's.
void InstallFaultGuard();

// memcpy(dst, src, length), except that a fault reading src (SIGBUS: the file shrank under the mapping; SIGSEGV:
// the source pages went away) stops it and returns false; dst then holds an unspecified prefix of the bytes.
// A fault anywhere else (dst included) is not caught. Needs InstallFaultGuard first.
bool GuardedCopy(uint8_t* dst, const uint8_t* src, size_t length);

// Reads one byte of every `stride` bytes of [src, src + length) (faults the pages in); false on a fault, as above.
bool GuardedTouch(const uint8_t* src, size_t length, size_t stride);

}  // namespace ipfrs
