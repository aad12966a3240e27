// SPDX-License-Identifier: Apache-2.0
// Small filesystem helpers shared by the cgroup backends (private to lib/src/cgroup).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "corral/base/kept_files.hpp"
#include "corral/base/result.hpp"

namespace corral::cgroup::detail {

bool path_exists(const std::string& path);
std::string trim(std::string_view s);
Result<std::string> read_trimmed(const std::string& path);
Result<std::uint64_t> read_u64(const std::string& path);  // "max" is an error
// The same through `kept` (the file stays open for the next read) when not null.
Result<std::uint64_t> read_u64(const std::string& path, KeptFiles* kept);
// A whole small file, through `kept` when not null.
Result<std::string> read_text(const std::string& path, KeptFiles* kept);
// "key value" lines (cpu.stat, cgroup.events): value of key, or nullopt.
std::optional<std::uint64_t> keyed_value(std::string_view text, std::string_view key);
Result<std::vector<pid_t>> read_pids(const std::string& procs_file);
// Makes base/rel and whichever of its parents below base are missing; calls
// after(dir) for each new directory, parents first.
Status mkdir_each(const std::string& base, const std::string& rel,
                  const std::function<Status(const std::string& dir)>& after);
// Child directories of dir (names only).
std::vector<std::string> subdirs(const std::string& dir);
// Appends the pids of dir and of every group below it (our own tree, bounded
// by the kernel's cgroup nesting limit) to out.
void collect_pids(const std::string& dir, std::vector<pid_t>& out);
Status check_path(const std::string& rel);  // rejects "..", absolute and empty paths

// Writes a cgroup knob. Opens with O_TRUNC (harmless on cgroupfs, where every write
// replaces the value) so the same code is right on the plain files of a test tree.
Status write_knob(const std::string& path, std::string_view value);

// Polls cond() every `step` until true or `timeout`; returns whether it became true.
template <typename F>
bool poll_until(F cond, std::chrono::milliseconds timeout, std::chrono::milliseconds step) {
  auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(step);
  }
}

}  // namespace corral::cgroup::detail
