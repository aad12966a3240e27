// SPDX-License-Identifier: Apache-2.0
#include "proc_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "corral/base/unique_fd.hpp"

namespace corral::proc::detail {

int read_proc_file(int dirfd, const char* name, std::string& storage, std::string_view& view) {
  UniqueFd fd(::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return errno;
  if (storage.size() < 8192) storage.resize(8192);
  std::size_t used = 0;
  for (;;) {
    ssize_t n = ::read(fd.get(), storage.data() + used, storage.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    used += static_cast<std::size_t>(n);
    if (n == 0 || used < storage.size()) break;  // short read: the file is complete
    storage.resize(storage.size() * 2);
  }
  view = std::string_view(storage.data(), used);
  return 0;
}

long count_dir_entries(int dirfd, const char* name) {
  UniqueFd fd(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return -errno;
  alignas(8) char buf[16384];
  long count = 0;
  for (;;) {
    long n = ::syscall(SYS_getdents64, fd.get(), buf, sizeof buf);
    if (n < 0) return -errno;
    if (n == 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<dirent64*>(buf + off);
      const char* nm = d->d_name;
      if (!(nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0)))) ++count;
      off += d->d_reclen;
    }
  }
  return count;
}

}  // namespace corral::proc::detail
