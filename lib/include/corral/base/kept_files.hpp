// SPDX-License-Identifier: Apache-2.0
// KeptFiles: small pseudo-files read again and again (a service's /proc/PID/stat,
// its cgroup's cpuacct.usage) kept open between reads. A pread at offset 0
// regenerates a proc or cgroup file, so a metrics scrape of 1,000 services costs
// 1,000 reads instead of 1,000 opens, reads and closes: the open's path walk and
// the close were a third of a scrape (issue 15).
//
// A kept descriptor never reads another object's data: one on /proc/PID/stat of
// a process that exited fails with ESRCH even when the PID is reused, one on a
// removed cgroup's file with ENODEV. Either is closed and the path opened again,
// once. sweep() closes what was not read since the previous sweep.
//
// Only for files that fit in one read, as these do: a read that fills the buffer
// is done again from offset 0 with a bigger one (a second read at an offset would
// make the kernel generate the file again anyway).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral {

class KeptFiles {
 public:
  // At most `max_open` descriptors are kept; past that, files are read the
  // ordinary way (open, read, close).
  explicit KeptFiles(std::size_t max_open);

  // The file's whole text, valid until the next read(). `path` is looked up
  // as it is (no string is made for a file already kept).
  Result<std::string_view> read(std::string_view path);
  // Closes the files not read since the previous sweep.
  void sweep();
  std::size_t open_count() const { return kept_.size(); }

 private:
  struct Kept {
    UniqueFd fd;
    std::uint64_t read_in = 0;  // the sweep period it was last read in
  };
  // Lookups by string_view, without making a std::string of the path.
  struct PathHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  Result<std::string_view> read_fd(int fd, std::string_view path);
  static UniqueFd open_file(std::string_view path);

  std::size_t max_open_;
  std::uint64_t period_ = 1;
  std::unordered_map<std::string, Kept, PathHash, std::equal_to<>> kept_;
  std::vector<char> buf_;
};

}  // namespace corral
