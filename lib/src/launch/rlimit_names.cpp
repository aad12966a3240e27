// SPDX-License-Identifier: Apache-2.0
#include "corral/launch/rlimit_names.hpp"
#include "corral/base/strings.hpp"

#include <sys/resource.h>

#include <array>
#include <cctype>
#include <utility>

namespace corral::launch {
namespace {

constexpr std::array<std::pair<int, std::string_view>, 16> kLimits{{
    {RLIMIT_AS, "RLIMIT_AS"},
    {RLIMIT_CORE, "RLIMIT_CORE"},
    {RLIMIT_CPU, "RLIMIT_CPU"},
    {RLIMIT_DATA, "RLIMIT_DATA"},
    {RLIMIT_FSIZE, "RLIMIT_FSIZE"},
    {RLIMIT_LOCKS, "RLIMIT_LOCKS"},
    {RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},
    {RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"},
    {RLIMIT_NICE, "RLIMIT_NICE"},
    {RLIMIT_NOFILE, "RLIMIT_NOFILE"},
    {RLIMIT_NPROC, "RLIMIT_NPROC"},
    {RLIMIT_RSS, "RLIMIT_RSS"},
    {RLIMIT_RTPRIO, "RLIMIT_RTPRIO"},
    {RLIMIT_RTTIME, "RLIMIT_RTTIME"},
    {RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
    {RLIMIT_STACK, "RLIMIT_STACK"},
}};

}  // namespace

std::string_view rlimit_name(int resource) {
  for (auto& [r, name] : kLimits)
    if (r == resource) return name;
  return {};
}

std::optional<int> parse_rlimit(std::string_view name) {
  constexpr std::string_view kPrefix = "RLIMIT_";
  if (name.size() > kPrefix.size() && iequals(name.substr(0, kPrefix.size()), kPrefix))
    name.remove_prefix(kPrefix.size());
  for (auto& [r, full] : kLimits)
    if (iequals(full.substr(kPrefix.size()), name)) return r;
  return std::nullopt;
}

}  // namespace corral::launch
