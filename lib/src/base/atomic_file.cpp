// SPDX-License-Identifier: Apache-2.0
#include "corral/base/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "corral/base/unique_fd.hpp"

namespace corral {

Status write_file_atomically(const std::string& dir, const std::string& path, std::string_view text) {
  const std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return errno_error("open " + tmp);
  auto fail = [&](const std::string& what) {
    Error e = errno_error(what);
    ::unlink(tmp.c_str());
    return e;
  };
  for (std::size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write " + tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("fsync " + tmp);
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename " + tmp + " to " + path);
  // The rename itself must reach the disk too.
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) return errno_error("open " + dir);
  if (::fsync(dfd.get()) != 0) return errno_error("fsync " + dir);
  return {};
}

}  // namespace corral
