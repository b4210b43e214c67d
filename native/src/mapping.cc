#include "mapping.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "fault_guard.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  // Linux 5.14
#endif

namespace ipfrs {
namespace {

std::atomic<uint64_t> live_count{0};
std::atomic<uint64_t> live_bytes{0};

// JS numbers hold integers exactly up to 2^53: sizes past that cannot be addressed from JS.
constexpr uint64_t kMaxSafeInteger = (uint64_t{1} << 53) - 1;

const char* Kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

Mapping::Mapping(uint8_t* data, uint64_t size, std::string path) : data_(data), size_(size), path_(std::move(path)) {
  live_count.fetch_add(1, std::memory_order_relaxed);
  live_bytes.fetch_add(size, std::memory_order_relaxed);
}

Mapping::~Mapping() {
  if (data_ != nullptr) munmap(data_, size_);
  live_count.fetch_sub(1, std::memory_order_relaxed);
  live_bytes.fetch_sub(size_, std::memory_order_relaxed);
}

void Mapping::Release() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

uint64_t Mapping::LiveCount() { return live_count.load(std::memory_order_relaxed); }
uint64_t Mapping::LiveBytes() { return live_bytes.load(std::memory_order_relaxed); }

Mapping* Mapping::Open(const std::string& path, uint32_t flags, Failure* failure) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer before fstat can say it is not a file.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    *failure = SystemFailure(errno, "open", path);
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *failure = SystemFailure(errno, "fstat", path);
    close(fd);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    *failure = PlainFailure(ErrorCode::kNotAFile, std::string("not a regular file: '") + path + "' is " + Kind(st.st_mode), path);
    return nullptr;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > kMaxSafeInteger) {
    close(fd);
    *failure = PlainFailure(ErrorCode::kMmapFailed, "cannot map the file: '" + path + "' is larger than 2^53 bytes", path);
    return nullptr;
  }
  if (size == 0) {  // mmap of length 0 is EINVAL; an empty file needs no mapping
    close(fd);
    return new Mapping(nullptr, 0, path);
  }
  const int map_flags = MAP_SHARED | ((flags & kPopulate) ? MAP_POPULATE : 0);
  void* data = mmap(nullptr, size, PROT_READ, map_flags, fd, 0);
  const int map_errno = errno;
  close(fd);  // the mapping keeps the inode; the descriptor is not needed any more
  if (data == MAP_FAILED) {
    *failure = SystemFailure(map_errno, "mmap", path);
    return nullptr;
  }
  Mapping* mapping = new Mapping(static_cast<uint8_t*>(data), size, path);
  Failure advised = mapping->ApplyAdvice(flags, true);
  if (advised.failed) {
    mapping->Release();
    *failure = advised;
    return nullptr;
  }
  return mapping;
}

Failure Mapping::ApplyAdvice(uint32_t flags, bool at_open) const {
  if (data_ == nullptr) return Failure();
  // A fresh mapping is MADV_NORMAL already; later calls reset the access pattern when none is asked for.
  int access = (flags & kSequential) ? MADV_SEQUENTIAL : (flags & kRandom) ? MADV_RANDOM : MADV_NORMAL;
  if ((access != MADV_NORMAL || !at_open) && madvise(data_, size_, access) != 0) return SystemFailure(errno, "madvise", path_);
  // EINVAL: a kernel without transparent huge pages; the advice is a hint, so the mapping stays usable.
  if ((flags & kHugepages) && madvise(data_, size_, MADV_HUGEPAGE) != 0 && errno != EINVAL) {
    return SystemFailure(errno, "madvise", path_);
  }
  if ((flags & kWillNeed) && madvise(data_, size_, MADV_WILLNEED) != 0) return SystemFailure(errno, "madvise", path_);
  if ((flags & kPopulate) && !at_open) {  // at open, MAP_POPULATE did it
    if (madvise(data_, size_, MADV_POPULATE_READ) != 0) {
      if (errno == EFAULT) {  // where a read would have raised SIGBUS: the file shrank under the mapping
        Failure failure = SystemFailure(errno, "madvise", path_);
        failure.code = ErrorCode::kIoError;
        failure.message = "the file changed under the mapping: '" + path_ + "' (mapped with " + std::to_string(size_) +
                          " bytes) lost pages; it was truncated or rewritten in place (madvise POPULATE_READ: EFAULT)";
        return failure;
      }
      if (errno != EINVAL) return SystemFailure(errno, "madvise", path_);
      // Before Linux 5.14: fault every page in by reading a byte of it, guarded (this may run on a worker while
      // the file is truncated). MADV_POPULATE_READ itself answers EFAULT rather than raising SIGBUS.
      const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
      if (!GuardedTouch(data_, size_, page)) {
        return PlainFailure(ErrorCode::kIoError, "the file changed under the mapping: '" + path_ + "' (mapped with " + std::to_string(size_) +
                                                     " bytes) lost pages while they were being read in; it was truncated or rewritten in place",
                            path_);
      }
    }
  }
  return Failure();
}

}  // namespace ipfrs
