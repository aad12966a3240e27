// SPDX-License-Identifier: Apache-2.0
// Private I/O helpers of the reader: one read into a reused buffer, fd counting.
#pragma once

#include <string>
#include <string_view>

namespace corral::proc::detail {

// Reads dirfd/name into storage (whose size is kept at its capacity, so no zero-fill
// per call). /proc files hand over their whole text in one read when it fits, so a
// short read is the end. Returns 0 and sets view, or the errno.
int read_proc_file(int dirfd, const char* name, std::string& storage, std::string_view& view);

// Entries of dirfd/name (a directory), without "." and ".."; -errno on failure.
long count_dir_entries(int dirfd, const char* name);

// Is this errno "the process is gone"?
inline bool is_vanished(int err) { return err == ENOENT || err == ESRCH; }

}  // namespace corral::proc::detail
