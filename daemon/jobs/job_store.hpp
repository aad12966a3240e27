// SPDX-License-Identifier: Apache-2.0
// The queue runner's file in state_dir (jobs.json): the queues' own state (paused,
// labels learned, counters) and every job record. Written like the daemon's state
// file: a temporary file, fsync, rename over the old one, fsync of the folder, so a
// crash leaves the old or the new file, never a mix.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "corral/base/result.hpp"

namespace corral::daemon {

inline constexpr int kJobsFileVersion = 1;

std::string jobs_file_path(const std::string& state_dir);
Status write_jobs_file(const std::string& state_dir, const nlohmann::json& doc);
// ENOENT when there is none; other errors name the file and what is wrong.
Result<nlohmann::json> read_jobs_file(const std::string& state_dir);

}  // namespace corral::daemon
