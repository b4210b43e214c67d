#include "fault_guard.h"

#include <signal.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

// IPFRS_GUARD_PORTABLE=1 builds the process_vm_readv copy on x86-64 too, so that path can be tested here.
#if defined(__x86_64__) && !defined(IPFRS_GUARD_PORTABLE)
#define IPFRS_GUARD_RESUMABLE 1
#endif

#ifdef IPFRS_GUARD_RESUMABLE
// uint64_t ipfrs_guarded_copy(dst = rdi, src = rsi, length = rdx): 0 when copied, 1 when a fault stopped it.
// It never pushes or calls, so at any instruction between _begin and _end the return address is on top of the
// stack, and the handler resumes a faulting copy at _fault, which returns 1 to the caller.
// It moves 64 bytes a turn through four SSE registers (caller-saved), then 8, then single bytes: no start-up
// cost for a gather's typical element of 4 bytes, and memcpy's speed for 64 KiB and 1 MiB (bench:mmap).
asm(R"(
  .text
  .p2align 4
  .globl ipfrs_guarded_copy
  .hidden ipfrs_guarded_copy
  .type ipfrs_guarded_copy, @function
ipfrs_guarded_copy:
  .byte 0xf3, 0x0f, 0x1e, 0xfa  /* endbr64: a no-op where CET is off */
  .globl ipfrs_guarded_copy_begin
  .hidden ipfrs_guarded_copy_begin
ipfrs_guarded_copy_begin:
  cmp $64, %rdx
  jb 1f
  movdqu (%rsi), %xmm0
  movdqu 16(%rsi), %xmm1
  movdqu 32(%rsi), %xmm2
  movdqu 48(%rsi), %xmm3
  movdqu %xmm0, (%rdi)
  movdqu %xmm1, 16(%rdi)
  movdqu %xmm2, 32(%rdi)
  movdqu %xmm3, 48(%rdi)
  add $64, %rsi
  add $64, %rdi
  sub $64, %rdx
  jmp ipfrs_guarded_copy_begin
1:
  cmp $8, %rdx
  jb 4f
3:
  mov (%rsi), %rax
  mov %rax, (%rdi)
  add $8, %rsi
  add $8, %rdi
  sub $8, %rdx
  cmp $8, %rdx
  jae 3b
4:
  test %rdx, %rdx
  jz 6f
5:
  movzbl (%rsi), %eax
  mov %al, (%rdi)
  inc %rsi
  inc %rdi
  dec %rdx
  jnz 5b
6:
  xor %eax, %eax
  ret
  .globl ipfrs_guarded_copy_end
  .hidden ipfrs_guarded_copy_end
ipfrs_guarded_copy_end:
  .globl ipfrs_guarded_copy_fault
  .hidden ipfrs_guarded_copy_fault
ipfrs_guarded_copy_fault:
  mov $1, %eax
  ret
  .size ipfrs_guarded_copy, .-ipfrs_guarded_copy
)");

extern "C" {
uint64_t ipfrs_guarded_copy(uint8_t* dst, const uint8_t* src, size_t length);
extern const char ipfrs_guarded_copy_begin[];
extern const char ipfrs_guarded_copy_end[];
extern const char ipfrs_guarded_copy_fault[];
}
#endif

namespace ipfrs {
namespace {

#ifdef IPFRS_GUARD_RESUMABLE
// The source pages of the guarded copy in progress on this thread; 0, 0 when none. Page-aligned, so a fault the
// hardware reports anywhere on a source page counts.
struct Frame {
  uintptr_t lo;
  uintptr_t hi;
};

// initial-exec TLS: the handler must not reach __tls_get_addr, which may allocate on a thread's first touch of a
// dlopen'ed module's TLS (not async-signal-safe). Two words fit in the static TLS surplus glibc keeps for that.
thread_local Frame current_frame __attribute__((tls_model("initial-exec"))) = {0, 0};

const uintptr_t kPageMask = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE)) - 1;

struct sigaction previous_bus;
struct sigaction previous_segv;
std::once_flag install_once;

// The handler that was there before ours, as if ours did not exist. Async-signal-safe throughout.
void PassOn(int signo, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  const struct sigaction& previous = signo == SIGBUS ? previous_bus : previous_segv;
  const bool sent = info->si_code <= 0;  // kill(), tgkill(), sigqueue(): not a fault of this thread
  if ((previous.sa_flags & SA_SIGINFO) != 0 || (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN)) {
    // Run it with the signals it asked to have blocked, as the kernel would have.
    sigset_t outer;
    pthread_sigmask(SIG_BLOCK, &previous.sa_mask, &outer);
    if ((previous.sa_flags & SA_SIGINFO) != 0) {
      previous.sa_sigaction(signo, info, context);
    } else {
      previous.sa_handler(signo);
    }
    pthread_sigmask(SIG_SETMASK, &outer, nullptr);
  } else if (previous.sa_handler == SIG_IGN && sent) {
    // Ignored before, so ignored now. (A real fault cannot be ignored: the kernel forces the default action.)
  } else {
    // The default action: put it back and let the signal act. A fault re-executes the instruction on return and
    // faults again; a sent signal is raised again, pending until this handler returns and unblocks it.
    struct sigaction fallback;
    std::memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    sigaction(signo, &fallback, nullptr);
    if (sent) raise(signo);
  }
  errno = saved_errno;
}

void OnFault(int signo, siginfo_t* info, void* context) {
  ucontext_t* const uc = static_cast<ucontext_t*>(context);
  greg_t& ip = uc->uc_mcontext.gregs[REG_RIP];
  const uintptr_t pc = static_cast<uintptr_t>(ip);
  const uintptr_t address = reinterpret_cast<uintptr_t>(info->si_addr);
  const Frame frame = current_frame;
  if (info->si_code > 0 && pc >= reinterpret_cast<uintptr_t>(ipfrs_guarded_copy_begin) &&
      pc < reinterpret_cast<uintptr_t>(ipfrs_guarded_copy_end) && address >= frame.lo && address < frame.hi) {
    ip = static_cast<greg_t>(reinterpret_cast<uintptr_t>(ipfrs_guarded_copy_fault));
    return;  // through sigreturn, which restores the thread's state as the kernel saved it
  }
  PassOn(signo, info, context);
}

void Install() {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_sigaction = OnFault;
  // SA_ONSTACK: use the thread's alternate stack when it has one. No SA_NODEFER: a fault inside the handler
  // (none is expected) kills the process rather than recursing.
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  sigaction(SIGBUS, &action, &previous_bus);
  sigaction(SIGSEGV, &action, &previous_segv);
}

bool Copy(uint8_t* dst, const uint8_t* src, size_t length) {
  const uintptr_t start = reinterpret_cast<uintptr_t>(src);
  const Frame outer = current_frame;  // not nested in practice; restored anyway
  current_frame = {start & ~kPageMask, (start + length + kPageMask) & ~kPageMask};
  std::atomic_signal_fence(std::memory_order_seq_cst);  // the frame is visible to the handler before any read
  const bool copied = ipfrs_guarded_copy(dst, src, length) == 0;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  current_frame = outer;
  return copied;
}
#else
// No handler: the kernel copies, and a page the file no longer has is a short read (EFAULT), never a signal.
bool Copy(uint8_t* dst, const uint8_t* src, size_t length) {
  while (length > 0) {
    struct iovec local = {dst, length};
    struct iovec remote = {const_cast<uint8_t*>(src), length};
    const ssize_t done = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    if (done < 0 && errno == EINTR) continue;
    if (done <= 0) return false;
    dst += done;
    src += done;
    length -= static_cast<size_t>(done);
  }
  return true;
}
#endif

}  // namespace

void InstallFaultGuard() {
#ifdef IPFRS_GUARD_RESUMABLE
  std::call_once(install_once, Install);
#endif
}

bool GuardedCopy(uint8_t* dst, const uint8_t* src, size_t length) { return length == 0 || Copy(dst, src, length); }

bool GuardedTouch(const uint8_t* src, size_t length, size_t stride) {
  uint8_t sink;
  for (size_t offset = 0; offset < length; offset += stride) {
    if (!Copy(&sink, src + offset, 1)) return false;
  }
  return true;
}

}  // namespace ipfrs
