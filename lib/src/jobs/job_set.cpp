// SPDX-License-Identifier: Apache-2.0
// parse_job_set: the laboratory's "A:0:3,B:2:6" job lists.
#include <string>

#include "corral/jobs/simulator.hpp"
#include "corral/jobs/time_units.hpp"

namespace corral::jobs {

Result<std::vector<SimJob>> parse_job_set(std::string_view text, Tick unit) {
  std::vector<SimJob> jobs;
  std::size_t index = 0;
  while (!text.empty() || index == 0) {
    ++index;
    std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    std::string where = "job " + std::to_string(index) + " \"" + std::string(item) + "\": ";
    std::size_t c1 = item.find(':');
    std::size_t c2 = c1 == std::string_view::npos ? c1 : item.find(':', c1 + 1);
    if (c2 == std::string_view::npos || item.find(':', c2 + 1) != std::string_view::npos)
      return Error::logic(where + "expected name:arrival:service");
    SimJob job;
    job.name = std::string(item.substr(0, c1));
    if (job.name.empty()) return Error::logic(where + "name: empty");
    auto arrival = parse_units(item.substr(c1 + 1, c2 - c1 - 1), unit);
    if (!arrival) return Error::logic(where + "arrival: " + arrival.error().message);
    auto service = parse_units(item.substr(c2 + 1), unit);
    if (!service) return Error::logic(where + "service: " + service.error().message);
    if (*service <= 0) return Error::logic(where + "service: must be greater than zero");
    job.arrival = *arrival;
    job.service = *service;
    for (const auto& other : jobs)
      if (other.name == job.name) return Error::logic(where + "name: \"" + job.name + "\" is used twice");
    jobs.push_back(std::move(job));
    if (comma == std::string_view::npos) break;
  }
  return jobs;
}

}  // namespace corral::jobs
