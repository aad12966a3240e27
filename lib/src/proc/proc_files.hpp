// SPDX-License-Identifier: Apache-2.0
// Private I/O helpers of the reader: one read into a reused buffer, fd counting.
#pragma once

#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <string_view>

namespace corral::proc::detail {

// Who closes the descriptors read_proc_file opens. Shared: each is closed at once, as
// the fd table is the program's. Batched: the calling thread has a private fd table
// (PrivateFdTable), so descriptors pile up above `floor` and one close_range() drops
// a batch of them: a close is a system call, and on a VM a system call costs
// microseconds, a third of the calls per process in `ps` (issue 13).
struct FdPolicy {
  bool batched = false;
  int floor = -1;        // batched: every descriptor above it is ours to close
  int open_count = 0;    // batched: opened since the last close_range
  int batch_limit = 256;  // lowered to fit a small RLIMIT_NOFILE
};

// Reads dirfd/name into storage (whose size is kept at its capacity, so no zero-fill
// per call). /proc files hand over their whole text in one read when it fits, so a
// short read is the end. When `owner` is given, it gets fstat() of the open file
// (the owner of a /proc/PID file is that of /proc/PID: the task's effective ids).
// Returns 0 and sets view, or the errno.
int read_proc_file(int dirfd, const char* name, std::string& storage, std::string_view& view,
                   FdPolicy& fds, struct stat* owner = nullptr);

// The same with descriptors closed at once.
int read_proc_file(int dirfd, const char* name, std::string& storage, std::string_view& view);

// Entries of dirfd/name (a directory), without "." and ".."; -errno on failure.
long count_dir_entries(int dirfd, const char* name);

// Is this errno "the process is gone"?
inline bool is_vanished(int err) { return err == ENOENT || err == ESRCH; }

// Gives the calling thread its own fd table (close_range CLOSE_RANGE_UNSHARE) holding only
// stdin/out/err and a fresh descriptor of `proc_root`, so a worker can batch its
// closes without touching the program's descriptors. The table, and whatever is
// left open in it, goes away when the thread ends. Only for threads the reader
// starts itself. root() < 0 when it could not be set up (the caller then shares).
class PrivateFdTable {
 public:
  explicit PrivateFdTable(const char* proc_root);
  PrivateFdTable(const PrivateFdTable&) = delete;
  PrivateFdTable& operator=(const PrivateFdTable&) = delete;
  // The private root, or -1: then error() is 0 when the table is still the program's
  // (share it), or the errno when it is private but /proc could not be opened.
  int root() const { return root_; }
  int error() const { return error_; }
  FdPolicy policy() const;

 private:
  int root_ = -1;
  int error_ = 0;
};

// Closes what a batched policy left open (end of a scan, or the batch is full).
void close_batch(FdPolicy& fds);

}  // namespace corral::proc::detail
