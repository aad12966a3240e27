// SPDX-License-Identifier: Apache-2.0
// The state file on disk: written to a temporary file, fsync'ed, renamed over
// the old one, then the folder fsync'ed, so a crash leaves the old or the new
// state and never a mix. And the kernel facts a record is checked against.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "corral/base/result.hpp"
#include "corral/persist/state.hpp"

namespace corral::persist {

Status write_state_file(const std::string& dir, const DaemonState& state);
// ENOENT when there is none; other errors name the file and what is wrong with it.
Result<DaemonState> read_state_file(const std::string& dir);
Status remove_state_file(const std::string& dir);
std::string state_file_path(const std::string& dir);

// What /proc says about a live process: its start time (stat field 22) and group.
struct ProcessIdentity {
  std::uint64_t start_time = 0;
  pid_t pgid = 0;
  pid_t ppid = 0;
  pid_t session = 0;
};
// nullopt: no such process (or a zombie).
std::optional<ProcessIdentity> read_identity(pid_t pid);
// A small /proc file (stat, cgroup) in one read() when it fits in 4 KiB: the
// kernel's seq_file gives all it has when the buffer is larger, so a short read
// is the end (re-adoption reads two per process; a second read() for the end
// and a heap buffer were a good part of that).
Result<std::string> read_proc_file(const std::string& path);
// The current boot (hash of /proc/sys/kernel/random/boot_id), 0 if unreadable.
std::uint64_t current_boot_id_hash();

}  // namespace corral::persist
