// SPDX-License-Identifier: Apache-2.0
#include "corral/base/file_read.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "corral/base/unique_fd.hpp"

namespace corral {

Status read_file_at(int dirfd, const char* path, std::string& out) {
  UniqueFd fd(::openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return errno_error(std::string("open ") + path);
  out.clear();
  // /proc files report size 0, so grow geometrically until read() returns 0.
  std::size_t used = 0;
  if (out.capacity() < 4096) out.reserve(4096);
  for (;;) {
    if (out.size() < used + 4096) out.resize(used + 4096);
    ssize_t n = ::read(fd.get(), out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      out.clear();
      return Error::from_errno(saved, std::string("read ") + path);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  out.resize(used);
  return {};
}

Result<std::string> read_file(const std::string& path) {
  std::string out;
  if (auto st = read_file_at(AT_FDCWD, path.c_str(), out); !st) return st.error();
  return out;
}

Status write_file(const std::string& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return errno_error("open " + path);
  ssize_t n = ::write(fd.get(), data.data(), data.size());
  if (n < 0) return errno_error("write " + path);
  if (static_cast<std::size_t>(n) != data.size())
    return Error::logic("write " + path + ": short write", EIO);
  return {};
}

}  // namespace corral
