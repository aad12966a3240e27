// SPDX-License-Identifier: Apache-2.0
// Small, allocation-light file readers for /proc and sysfs. No iostreams: these sit
// on the hot path of `corralctl ps`, which reads several files per process.
#pragma once

#include <string>
#include <string_view>

#include "corral/base/result.hpp"

namespace corral {

// Reads the whole of a (pseudo-)file relative to dirfd (AT_FDCWD for absolute paths)
// into out, reusing its capacity. Returns the errno on failure; ENOENT/ESRCH mean
// "the process vanished", which callers treat as a skip, not an error.
Status read_file_at(int dirfd, const char* path, std::string& out);

// Convenience: whole file by absolute path.
Result<std::string> read_file(const std::string& path);

// Writes data to an existing file (sysfs/cgroupfs knobs), one write call.
Status write_file(const std::string& path, std::string_view data);

}  // namespace corral
