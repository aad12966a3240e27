// SPDX-License-Identifier: Apache-2.0
// Parser for /proc/locks and the "lock:" lines of /proc/PID/fdinfo/FD, and the
// conflict rules between file locks. Pure: the tests feed it fixture text.
//
//   1: POSIX  ADVISORY  WRITE 4242 fe:00:1234 0 EOF
//   1: -> POSIX  ADVISORY  WRITE 4243 fe:00:1234 0 EOF     (a blocked request)
//   3: OFDLCK ADVISORY  READ  -1 fe:00:1234 0 9            (OFD: no pid, see fdinfo)
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"

namespace corral::waits {

enum class LockClass : std::uint8_t { kFlock, kPosix, kOfd, kLease, kOther };
const char* to_string(LockClass c);

struct LockLine {
  int id = 0;              // the number before the colon (shared by a lock and its waiters)
  bool blocked = false;    // a "->" line: a request waiting for lock `id`
  LockClass cls = LockClass::kOther;
  std::string type_text;   // FLOCK, POSIX, OFDLCK, LEASE, ...
  bool mandatory = false;
  bool write = false;      // WRITE (or a write lease) vs READ
  pid_t pid = 0;           // -1 for OFD locks
  unsigned major = 0, minor = 0;
  std::uint64_t inode = 0;
  std::uint64_t start = 0;
  std::uint64_t end = 0;   // inclusive; UINT64_MAX for EOF
};

// Parses the whole of /proc/locks. Bad lines are an error naming the line number.
Result<std::vector<LockLine>> parse_proc_locks(std::string_view text);
// Parses one line (without the "lock:\t" prefix of fdinfo).
Result<LockLine> parse_lock_line(std::string_view line);
// The "lock:" lines of one fdinfo file.
std::vector<LockLine> parse_fdinfo_locks(std::string_view fdinfo);

// Same file, overlapping ranges, at least one writer, and lock classes that interact:
// flock only with flock; POSIX and OFD with each other.
bool locks_conflict(const LockLine& a, const LockLine& b);

}  // namespace corral::waits
