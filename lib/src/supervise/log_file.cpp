// SPDX-License-Identifier: Apache-2.0
#include "corral/supervise/log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace corral::supervise {

Status LogFile::open() {
  fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640));
  if (!fd_) return errno_error("open " + path_);
  struct stat st{};
  if (::fstat(fd_.get(), &st) != 0) return errno_error("fstat " + path_);
  size_ = static_cast<std::uint64_t>(st.st_size);
  return {};
}

Status LogFile::rotate() {
  fd_.reset();
  if (keep_ <= 0) {
    if (::truncate(path_.c_str(), 0) != 0 && errno != ENOENT) return errno_error("truncate " + path_);
  } else {
    for (int i = keep_ - 1; i >= 1; --i) {
      std::string from = path_ + "." + std::to_string(i), to = path_ + "." + std::to_string(i + 1);
      if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) return errno_error("rename " + from);
    }
    std::string first = path_ + ".1";
    if (::rename(path_.c_str(), first.c_str()) != 0 && errno != ENOENT) return errno_error("rename " + path_);
  }
  return open();
}

Status LogFile::write(std::string_view data) {
  if (!fd_) {
    if (Status st = open(); !st) return st;
  }
  while (!data.empty()) {
    std::string_view part = data;
    bool rotate_after = false;
    if (max_bytes_ > 0 && size_ + data.size() > max_bytes_) {
      // Fill the file up to the limit, cut at the last whole line that fits; a
      // single line longer than the limit is cut hard.
      std::size_t room = size_ < max_bytes_ ? static_cast<std::size_t>(max_bytes_ - size_) : 0;
      std::size_t nl = room == 0 ? std::string_view::npos : data.substr(0, room).rfind('\n');
      if (nl != std::string_view::npos) part = data.substr(0, nl + 1);
      else if (size_ == 0) part = data.substr(0, room);
      else part = {};
      rotate_after = true;
    }
    if (Status st = write_all(part); !st) return st;
    data.remove_prefix(part.size());
    if (rotate_after) {
      if (Status st = rotate(); !st) return st;
    }
  }
  return {};
}

Status LogFile::write_all(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("write " + path_);
    }
    size_ += static_cast<std::uint64_t>(n);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<std::string> tail_file(const std::string& path, int lines) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::string();
    return errno_error("open " + path);
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return errno_error("fstat " + path);
  if (lines <= 0) return std::string();
  // Read backwards in blocks until enough newlines are seen (capped at 16 MiB).
  constexpr off_t kBlock = 64 * 1024, kCap = 16 * 1024 * 1024;
  off_t end = st.st_size, pos = end;
  std::string buf;
  int newlines = 0;
  while (pos > 0 && end - pos < kCap) {
    off_t len = std::min(kBlock, pos);
    pos -= len;
    std::string block(static_cast<std::size_t>(len), '\0');
    ssize_t n = ::pread(fd.get(), block.data(), block.size(), pos);
    if (n < 0) return errno_error("read " + path);
    block.resize(static_cast<std::size_t>(n));
    buf.insert(0, block);
    // A trailing newline ends the last line; it does not start a new one.
    newlines = static_cast<int>(std::count(buf.begin(), buf.end(), '\n'));
    if (!buf.empty() && buf.back() == '\n') --newlines;
    if (newlines >= lines) break;
  }
  // Keep only the last `lines` lines.
  std::size_t cut = buf.size();
  if (!buf.empty() && buf.back() == '\n') --cut;
  int seen = 0;
  while (cut > 0) {
    if (buf[cut - 1] == '\n' && ++seen == lines) break;
    --cut;
  }
  return buf.substr(cut);
}

}  // namespace corral::supervise
