// SPDX-License-Identifier: Apache-2.0
#include "proc_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "corral/base/dir_entries.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::proc::detail {
namespace {
int read_all_of(int fd, std::string& storage, std::string_view& view) {
  if (storage.size() < 8192) storage.resize(8192);
  std::size_t used = 0;
  for (;;) {
    ssize_t n = ::read(fd, storage.data() + used, storage.size() - used);
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
}  // namespace

int read_proc_file(int dirfd, const char* name, std::string& storage, std::string_view& view, FdPolicy& fds,
                   struct stat* owner) {
  const int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return errno;
  int err = owner != nullptr && ::fstat(fd, owner) != 0 ? errno : 0;
  if (err == 0) err = read_all_of(fd, storage, view);
  if (!fds.batched) {
    ::close(fd);
  } else if (++fds.open_count >= fds.batch_limit) {
    close_batch(fds);
  }
  return err;
}

int read_proc_file(int dirfd, const char* name, std::string& storage, std::string_view& view) {
  FdPolicy shared;
  return read_proc_file(dirfd, name, storage, view, shared);
}

void close_batch(FdPolicy& fds) {
  if (!fds.batched || fds.open_count == 0) return;
  ::close_range(static_cast<unsigned>(fds.floor) + 1, ~0u, 0);
  fds.open_count = 0;
}

PrivateFdTable::PrivateFdTable(const char* proc_root) {
  // A table of its own holding only 0..2: the kernel copies nothing above them
  // (unshare + close would copy every descriptor of the program, then close each).
  // Refused (Linux < 5.9, a seccomp filter): share, and close one by one.
  if (::close_range(3, ~0u, CLOSE_RANGE_UNSHARE) != 0) return;
  root_ = ::open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_ < 0) error_ = errno;
  // Every descriptor below root_ is open (it got the lowest free one), so all the
  // worker opens from now on lie above it.
}

FdPolicy PrivateFdTable::policy() const {
  FdPolicy p;
  p.batched = root_ >= 0;
  p.floor = root_;
  // Room for a batch under the descriptor limit, whatever it is set to.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    const auto room = static_cast<long long>(lim.rlim_cur) - root_ - 8;
    if (room < 2 * p.batch_limit) p.batch_limit = static_cast<int>(std::max(1LL, room / 2));
  }
  return p;
}

long count_dir_entries(int dirfd, const char* name) {
  UniqueFd fd(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return -errno;
  long count = 0;
  const int err = for_each_dir_entry<16384>(fd.get(), [&](const dirent64& d) {
    const char* nm = d.d_name;
    if (!(nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0)))) ++count;
  });
  return err != 0 ? -err : count;
}

}  // namespace corral::proc::detail
