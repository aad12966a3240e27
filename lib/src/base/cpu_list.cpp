// SPDX-License-Identifier: Apache-2.0
#include "corral/base/cpu_list.hpp"

#include <algorithm>
#include <charconv>

namespace corral {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// A whole-string decimal CPU number, or -1.
int parse_cpu(std::string_view s) {
  if (s.empty() || s.size() > 9) return -1;
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < 0) return -1;
  return v;
}

}  // namespace

Result<std::vector<int>> parse_cpu_list(std::string_view text) {
  std::vector<int> cpus;
  if (trim(text).empty()) return Error::logic("empty CPU list", EINVAL);
  std::string_view rest = text;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    std::string quoted = "\"" + std::string(item) + "\"";
    if (item.empty()) return Error::logic("empty item in CPU list \"" + std::string(text) + "\"", EINVAL);
    size_t dash = item.find('-');
    int lo = 0, hi = 0;
    if (dash == std::string_view::npos) {
      lo = hi = parse_cpu(item);
      if (lo < 0) return Error::logic("bad CPU number " + quoted + " (expected N or N-M)", EINVAL);
    } else {
      lo = parse_cpu(trim(item.substr(0, dash)));
      hi = parse_cpu(trim(item.substr(dash + 1)));
      if (lo < 0 || hi < 0) return Error::logic("bad CPU range " + quoted + " (expected N-M)", EINVAL);
      if (lo > hi) return Error::logic("bad CPU range " + quoted + ": start is after end", EINVAL);
    }
    if (hi > kMaxCpuNumber)
      return Error::logic("CPU number in " + quoted + " is above " + std::to_string(kMaxCpuNumber), EINVAL);
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpu_list(std::vector<int> cpus) {
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string out;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) {
      out += '-';
      out += std::to_string(cpus[j]);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace corral
