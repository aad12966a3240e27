// SPDX-License-Identifier: Apache-2.0
// The job record is corral::jobs::Job (lib, so that unit tests reach its JSON);
// the queue runner names it as its own.
#pragma once

#include "corral/jobs/job.hpp"

namespace corral::daemon {

using jobs::Job;
using jobs::job_from_json;
using jobs::job_state_name;
using jobs::job_to_json;
using jobs::JobState;
using jobs::parse_job_state;

}  // namespace corral::daemon
