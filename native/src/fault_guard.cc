#include "fault_guard.h"

#include <setjmp.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace ipfrs {
namespace {

// One guarded copy in progress on a thread: where to jump back to, and the pages of its source.
struct Frame {
  sigjmp_buf jump;
  uintptr_t lo;  // page-aligned: an optimised memcpy may load from the source's page just before `src`
  uintptr_t hi;
};

// initial-exec TLS: the handler must not reach __tls_get_addr, which may allocate on a thread's first touch of a
// dlopen'ed module's TLS (not async-signal-safe). One pointer fits in the static TLS surplus glibc keeps for that.
thread_local Frame* current_frame __attribute__((tls_model("initial-exec"))) = nullptr;

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
  Frame* const frame = current_frame;
  if (frame != nullptr && info->si_code > 0) {
    const uintptr_t address = reinterpret_cast<uintptr_t>(info->si_addr);
    if (address >= frame->lo && address < frame->hi) {
      current_frame = nullptr;
      siglongjmp(frame->jump, 1);  // restores the signal mask saved by sigsetjmp, unblocking signo
    }
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

// Runs body() with faults on [src, src + length) turned into a false return.
template <typename Body>
bool RunGuarded(const uint8_t* src, size_t length, Body body) {
  if (length == 0) return true;
  Frame frame;
  frame.lo = reinterpret_cast<uintptr_t>(src) & ~kPageMask;
  frame.hi = (reinterpret_cast<uintptr_t>(src) + length + kPageMask) & ~kPageMask;
  Frame* const outer = current_frame;  // not nested in practice; restored anyway
  if (sigsetjmp(frame.jump, 1) != 0) {
    current_frame = outer;
    return false;
  }
  current_frame = &frame;
  std::atomic_signal_fence(std::memory_order_seq_cst);  // the frame is visible to the handler before any read
  body();
  std::atomic_signal_fence(std::memory_order_seq_cst);
  current_frame = outer;
  return true;
}

}  // namespace

void InstallFaultGuard() { std::call_once(install_once, Install); }

bool GuardedCopy(uint8_t* dst, const uint8_t* src, size_t length) {
  return RunGuarded(src, length, [=] { std::memcpy(dst, src, length); });
}

bool GuardedTouch(const uint8_t* src, size_t length, size_t stride) {
  return RunGuarded(src, length, [=] {
    const volatile uint8_t* bytes = src;
    uint8_t sink = 0;
    for (size_t offset = 0; offset < length; offset += stride) sink = static_cast<uint8_t>(sink + bytes[offset]);
    (void)sink;
  });
}

}  // namespace ipfrs
