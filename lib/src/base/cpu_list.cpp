#include "corral/base/cpu_list.hpp"

#include <algorithm>
#include <charconv>

namespace corral {
namespace {

constexpr int kMaxCpu = 1 << 16;  // far above any real CONFIG_NR_CPUS; guards typos

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0 && out < kMaxCpu;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::vector<int>> parse_cpu_list(std::string_view text) {
  std::string_view all = trim(text);
  std::vector<int> cpus;
  auto fail = [&](std::string_view item, const char* why) {
    return Error::logic("cpu list \"" + std::string(all) + "\": " + why + " \"" +
                            std::string(item) + "\"",
                        EINVAL);
  };
  std::string_view rest = all;
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty()) return fail(item, "empty item");
    std::size_t dash = item.find('-');
    int lo = 0, hi = 0;
    if (dash == std::string_view::npos) {
      if (!parse_int(item, lo)) return fail(item, "not a CPU number");
      hi = lo;
    } else {
      if (!parse_int(item.substr(0, dash), lo) || !parse_int(item.substr(dash + 1), hi))
        return fail(item, "bad range");
      if (hi < lo) return fail(item, "reversed range");
    }
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpu_list(const std::vector<int>& in) {
  std::vector<int> cpus = in;
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace corral
