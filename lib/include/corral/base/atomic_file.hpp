// SPDX-License-Identifier: Apache-2.0
// Replacing a file so that a crash at any moment leaves either the old or the
// new content, never a torn one: written to PATH.tmp, synced, renamed over
// PATH, and the folder synced so the rename itself reaches the disk.
#pragma once

#include <string>
#include <string_view>

#include "corral/base/result.hpp"

namespace corral {

// `dir` is the folder that holds `path`.
Status write_file_atomically(const std::string& dir, const std::string& path, std::string_view text);

}  // namespace corral
