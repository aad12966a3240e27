// SPDX-License-Identifier: Apache-2.0
// Reading a directory's entries straight from its fd with getdents64: no dup and
// fdopendir (an fcntl and an fstat more per directory), which counts where there
// are thousands of them (/proc/PID/fd, /proc/PID/task, cgroup trees).
#pragma once

#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace corral {

// Calls each(const dirent64&) for every entry of the open directory dirfd, "." and
// ".." included, reading BufferSize bytes at a time into a buffer on the stack (keep
// it small where the caller recurses). Only the end (an empty read) ends the loop:
// a short read proves nothing, as the kernel also stops early for a pending signal.
// Returns 0 at the end, or the errno of a failed read.
template <std::size_t BufferSize = 8192, class Each>
int for_each_dir_entry(int dirfd, Each&& each) {
  alignas(8) char buf[BufferSize];
  for (;;) {
    const long n = ::syscall(SYS_getdents64, dirfd, buf, sizeof buf);
    if (n < 0) return errno;
    if (n == 0) return 0;
    for (long off = 0; off < n;) {
      const auto* e = reinterpret_cast<const dirent64*>(buf + off);
      off += e->d_reclen;
      each(*e);
    }
  }
}

}  // namespace corral
