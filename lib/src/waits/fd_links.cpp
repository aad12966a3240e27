// SPDX-License-Identifier: Apache-2.0
// One process's open files as /proc/PID/fd links, keeping only those a filter wants:
// the holder search for pipes and FIFOs. Safe to call from several threads at once.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>

#include "corral/base/dir_entries.hpp"
#include "scan_context.hpp"

namespace corral::waits::detail {
namespace {

constexpr std::string_view kPipePrefix = "pipe:[";

bool is_fd_name(const char* s) {
  if (!*s) return false;
  for (; *s; ++s)
    if (*s < '0' || *s > '9') return false;
  return true;
}

bool wanted(std::string_view target, const FdLinkFilter& filter) {
  if (target.size() > kPipePrefix.size() && target.substr(0, kPipePrefix.size()) == kPipePrefix) {
    if (filter.every_pipe) return true;
    std::uint64_t inode = 0;
    std::from_chars(target.data() + kPipePrefix.size(), target.data() + target.size(), inode);
    return filter.inodes && filter.inodes->count(inode) != 0;
  }
  return filter.fifo_paths && !target.empty() && target[0] == '/' &&
         filter.fifo_paths->count(std::string(target)) != 0;
}

}  // namespace

int fd_access_mode(mode_t link_mode) {
  const bool reads = (link_mode & S_IRUSR) != 0, writes = (link_mode & S_IWUSR) != 0;
  if (reads && writes) return O_RDWR;
  if (reads) return O_RDONLY;
  if (writes) return O_WRONLY;
  return -1;
}

void read_fd_links(int proc_dir, pid_t pid, const FdLinkFilter& filter, std::vector<FdEntry>& out) {
  char dir[32];
  std::snprintf(dir, sizeof dir, "%d/fd", pid);
  const int dfd = ::openat(proc_dir, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  char link[4096];
  for_each_dir_entry<16384>(dfd, [&](const dirent64& de) {
    if (de.d_type != DT_LNK && de.d_type != DT_UNKNOWN) return;
    if (!is_fd_name(de.d_name)) return;
    const ssize_t len = ::readlinkat(dfd, de.d_name, link, sizeof link - 1);
    if (len <= 0) return;
    const std::string_view target(link, static_cast<std::size_t>(len));
    if (!wanted(target, filter)) return;
    int fd = -1;
    std::from_chars(de.d_name, de.d_name + std::char_traits<char>::length(de.d_name), fd);
    // The access mode now, on this thread, so the holder check later reads no fdinfo
    // file (one each, on the calling thread, for every fd on a waited pipe).
    struct stat link_stat {};
    const int access = ::fstatat(dfd, de.d_name, &link_stat, AT_SYMLINK_NOFOLLOW) == 0
                           ? fd_access_mode(link_stat.st_mode)
                           : -1;
    out.push_back({pid, fd, std::string(target), access});
  });
  ::close(dfd);
}

}  // namespace corral::waits::detail
