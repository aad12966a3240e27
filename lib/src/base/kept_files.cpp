// SPDX-License-Identifier: Apache-2.0
#include "corral/base/kept_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace corral {

KeptFiles::KeptFiles(std::size_t max_open) : max_open_(max_open), buf_(4096) {}

UniqueFd KeptFiles::open_file(std::string_view path) {
  std::string z(path);  // open() wants a terminated string; only on a first read
  return UniqueFd(::open(z.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
}

Result<std::string_view> KeptFiles::read_fd(int fd, std::string_view path) {
  for (;;) {
    ssize_t n = ::pread(fd, buf_.data(), buf_.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, "read " + std::string(path));
    }
    if (static_cast<std::size_t>(n) < buf_.size()) return std::string_view(buf_.data(), static_cast<std::size_t>(n));
    buf_.resize(buf_.size() * 2);  // it may have been cut: read it whole again
  }
}

Result<std::string_view> KeptFiles::read(std::string_view path) {
  auto it = kept_.find(path);
  if (it != kept_.end()) {
    it->second.read_in = period_;
    auto r = read_fd(it->second.fd.get(), path);
    if (r) return r;
    kept_.erase(it);  // its process or cgroup is gone: the path may name a new one
  }
  UniqueFd fd = open_file(path);
  if (!fd) return Error::from_errno(errno, "open " + std::string(path));
  auto r = read_fd(fd.get(), path);
  if (r && kept_.size() < max_open_) kept_.emplace(std::string(path), Kept{std::move(fd), period_});
  return r;
}

void KeptFiles::sweep() {
  std::erase_if(kept_, [this](const auto& entry) { return entry.second.read_in != period_; });
  ++period_;
}

}  // namespace corral
