// SPDX-License-Identifier: Apache-2.0
// A job written straight as JSON text, byte for byte what job_to_json(j, now).dump()
// gives (nlohmann sorts object keys, so the keys are written in that order), for
// the `jobs` reply: with 10,000 jobs the tree of job_to_json (~31 nodes a job) and
// its dump were most of corrald's time for the request (issue 14). Used with
// protocol::ArrayReplyWriter, the reply is encode(Response::success(array of
// job_to_json)) without the tree.
#pragma once

#include <cstdint>
#include <string>

#include "corral/jobs/job.hpp"

namespace corral::jobs {

void append_job_json(std::string& out, const Job& j, std::int64_t now_ns);

// About what one job takes, for reserving the reply (a job with a short command,
// no env: ~650 bytes).
inline constexpr std::size_t kJobJsonBytes = 768;

}  // namespace corral::jobs
