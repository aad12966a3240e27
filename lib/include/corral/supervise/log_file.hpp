// SPDX-License-Identifier: Apache-2.0
// A service's log file with size-based rotation: when a write would pass
// max_bytes, NAME.log becomes NAME.log.1 (and .1 -> .2 ... up to .keep), and a
// fresh NAME.log starts. keep = 0 truncates instead; max_bytes = 0 never rotates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::supervise {

class LogFile {
 public:
  LogFile(std::string path, std::uint64_t max_bytes, int keep)
      : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep) {}

  // Appends data, rotating first when it would not fit. Opens the file lazily.
  Status write(std::string_view data);
  const std::string& path() const { return path_; }
  std::uint64_t size() const { return size_; }
  void close() { fd_.reset(); }

 private:
  Status open();
  Status rotate();
  Status write_all(std::string_view data);

  std::string path_;
  std::uint64_t max_bytes_;
  int keep_;
  UniqueFd fd_;
  std::uint64_t size_ = 0;
};

// The last `lines` lines of a file (all of it when shorter); ENOENT gives "".
Result<std::string> tail_file(const std::string& path, int lines);

}  // namespace corral::supervise
