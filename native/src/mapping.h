// One memory mapping of a whole file, reference-counted: the file handle holds one reference and every external
// Buffer over it holds one (dropped by its finalizer), so munmap happens only when the last of them goes.
//
// Crash defence (SIGBUS/SIGSEGV): the mapping is PROT_READ + MAP_SHARED. A write into a view would raise SIGSEGV,
// so nothing in the project writes into views (they are handed to sockets, copied, or decoded; never filled), and
// callers must treat them as read-only. A file that shrinks under a mapping raises SIGBUS on the next touch past
// its new end, so the store never truncates or rewrites an object: objects are immutable and replaced only by
// rename, which leaves the mapped inode intact; TensorReader also checks every opened size against the index.
// A truncation that races a read already under way is survived where the read is a copy made here (gather, copy,
// the pre-5.14 populate loop: fault_guard.h turns the SIGBUS into IO_ERROR); a view read in JS still dies, so the
// GraphQL inline answers read copies, and the download route only hands views to sockets (EFAULT, no signal).
// MAP_PRIVATE + PROT_WRITE (copy-on-write) was considered and not taken: it would turn a stray write into silent
// anonymous memory instead of a loud crash, and large private writable mappings are charged to the commit limit.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "errors.h"

namespace ipfrs {

// Advice bits; src/mmap/config.ts uses the same values (binding.ts checks them against exports.flags at load).
enum AdviceFlag : uint32_t {
  kSequential = 1,  // MADV_SEQUENTIAL
  kRandom = 2,      // MADV_RANDOM
  kHugepages = 4,   // MADV_HUGEPAGE
  kPopulate = 8,    // MAP_POPULATE at open; MADV_POPULATE_READ (or a read of every page) later
  kWillNeed = 16,   // MADV_WILLNEED
};

class Mapping {
 public:
  // open + fstat + mmap + madvise; the fd is closed before returning. Null (and *failure filled) on error.
  // Touches no JS, so it runs on worker threads too. An empty file gets no mmap at all (data() is null).
  static Mapping* Open(const std::string& path, uint32_t flags, Failure* failure);

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Thread-safe: views are released by finalizers, workers hold a reference while they run.
  void Retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Release();

  // madvise per the flags (NORMAL when neither sequential nor random). Populate and WILLNEED may block for as
  // long as the file takes to read: call it from a worker for large files.
  Failure Advise(uint32_t flags) const { return ApplyAdvice(flags, false); }

  // Mappings not yet unmapped in this process (the cache's, and those kept alive only by views), and their bytes.
  static uint64_t LiveCount();
  static uint64_t LiveBytes();

 private:
  Mapping(uint8_t* data, uint64_t size, std::string path);
  ~Mapping();
  Failure ApplyAdvice(uint32_t flags, bool at_open) const;

  uint8_t* const data_;
  const uint64_t size_;
  const std::string path_;
  std::atomic<uint64_t> refs_{1};
};

}  // namespace ipfrs
