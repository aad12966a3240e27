// SPDX-License-Identifier: Apache-2.0
// The holder search of `corralctl waits` takes an fd's access mode from the lstat()
// of its /proc/PID/fd/N link instead of reading /proc/PID/fdinfo/N. These tests hold
// the two to the same answer on real pipe and FIFO ends of this process, and check
// that the fds the holder pass keeps carry it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "../../lib/src/waits/scan_context.hpp"

namespace {

using corral::waits::detail::fd_access_mode;

// O_ACCMODE of the "flags:" line of /proc/self/fdinfo/FD (octal), -1 if unreadable.
int fdinfo_access(int fd) {
  const std::string path = "/proc/self/fdinfo/" + std::to_string(fd);
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return -1;
  char line[256];
  int mode = -1;
  while (std::fgets(line, sizeof line, f))
    if (std::string(line).rfind("flags:", 0) == 0) mode = static_cast<int>(std::strtoul(line + 6, nullptr, 8)) & O_ACCMODE;
  std::fclose(f);
  return mode;
}

int link_access(int fd) {
  struct stat st {};
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (::lstat(path.c_str(), &st) != 0) return -2;
  return fd_access_mode(st.st_mode);
}

struct TempFifo {
  std::string dir, path;
  TempFifo() {
    char tmpl[] = "/tmp/corral-fd-access-XXXXXX";
    if (::mkdtemp(tmpl)) dir = tmpl;
    path = dir + "/fifo";
    if (!dir.empty()) ::mkfifo(path.c_str(), 0600);
  }
  ~TempFifo() {
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
  }
};

TEST(WaitsFdAccess, LinkModeGivesTheAccessModeFdinfoGivesForPipeAndFifoEnds) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  TempFifo fifo;
  ASSERT_FALSE(fifo.dir.empty());
  const int rdwr = ::open(fifo.path.c_str(), O_RDWR | O_CLOEXEC);
  const int rd = ::open(fifo.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  const int wr = ::open(fifo.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);  // a reader is open
  ASSERT_GE(rdwr, 0);
  ASSERT_GE(rd, 0);
  ASSERT_GE(wr, 0);
  for (int fd : {p[0], p[1], rdwr, rd, wr}) {
    SCOPED_TRACE("fd " + std::to_string(fd));
    const int expected = fdinfo_access(fd);
    ASSERT_NE(expected, -1);
    EXPECT_EQ(link_access(fd), expected);
  }
  EXPECT_EQ(link_access(p[0]), O_RDONLY);
  EXPECT_EQ(link_access(p[1]), O_WRONLY);
  EXPECT_EQ(link_access(rdwr), O_RDWR);
  for (int fd : {p[0], p[1], rdwr, rd, wr}) ::close(fd);
}

TEST(WaitsFdAccess, AnOPathFdIsLeftToFdinfo) {
  TempFifo fifo;
  ASSERT_FALSE(fifo.dir.empty());
  const int path_fd = ::open(fifo.path.c_str(), O_PATH | O_CLOEXEC);
  ASSERT_GE(path_fd, 0);
  // Neither read nor write: the holder check falls back to fdinfo's flags, as before.
  EXPECT_EQ(link_access(path_fd), -1);
  ::close(path_fd);
}

TEST(WaitsFdAccess, TheHolderPassKeepsTheAccessModeOfEachPipeFd) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  const int proc_dir = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(proc_dir, 0);
  corral::waits::detail::FdLinkFilter every_pipe;
  every_pipe.every_pipe = true;
  std::vector<corral::waits::detail::FdEntry> found;
  corral::waits::detail::read_fd_links(proc_dir, ::getpid(), every_pipe, found);
  ::close(proc_dir);
  int seen = 0;
  for (const auto& e : found) {
    if (e.fd != p[0] && e.fd != p[1]) continue;
    ++seen;
    EXPECT_EQ(e.access, e.fd == p[0] ? O_RDONLY : O_WRONLY) << "fd " << e.fd;
    EXPECT_EQ(e.access, fdinfo_access(e.fd)) << "fd " << e.fd;
  }
  EXPECT_EQ(seen, 2);
  ::close(p[0]);
  ::close(p[1]);
}

}  // namespace
