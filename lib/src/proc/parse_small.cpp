// SPDX-License-Identifier: Apache-2.0
// The small /proc and cgroupfs files: schedstat, syscall, cpu lists, cmdline,
// cgroup, wchan, freezer.state, cgroup.events.
#include <algorithm>
#include <string>

#include "corral/proc/parsers.hpp"
#include "text_scan.hpp"

namespace corral::proc {
using namespace detail;

Result<SchedStat> parse_schedstat(std::string_view text) {
  SchedStat s;
  if (!to_number(next_token(text), s.run_time_ns)) return Error::logic("schedstat: field 1 (run time): not a number", EINVAL);
  if (!to_number(next_token(text), s.run_delay_ns)) return Error::logic("schedstat: field 2 (run delay): not a number", EINVAL);
  if (!to_number(next_token(text), s.timeslices)) return Error::logic("schedstat: field 3 (timeslices): not a number", EINVAL);
  return s;
}

Result<SyscallInfo> parse_syscall(std::string_view text) {
  SyscallInfo info;
  std::string_view first = next_token(text);
  if (first == "running") {
    info.kind = SyscallInfo::Kind::Running;
    return info;
  }
  if (!to_number(first, info.nr)) return Error::logic("syscall: field 1 (number): not a number", EINVAL);
  auto hex = [&](std::uint64_t& out, int index) -> Status {
    if (!to_number(next_token(text), out, 16))
      return Error::logic("syscall: field " + std::to_string(index) + ": not a hex number", EINVAL);
    return {};
  };
  int index = 2;
  if (info.nr >= 0) {
    info.kind = SyscallInfo::Kind::InSyscall;
    for (auto& a : info.args)
      if (auto st = hex(a, index++); !st) return st.error();
  } else {
    info.kind = SyscallInfo::Kind::UserSpace;
  }
  std::uint64_t sp = 0, pc = 0;
  if (auto st = hex(sp, index++); !st) return st.error();
  if (auto st = hex(pc, index++); !st) return st.error();
  info.stack_pointer = sp;
  info.program_counter = pc;
  return info;
}

Result<std::vector<int>> parse_cpu_list(std::string_view text) {
  std::vector<int> cpus;
  skip_blanks(text);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    std::size_t dash = part.find('-');
    int lo = 0, hi = 0;
    if (dash == std::string_view::npos) {
      if (!to_number(part, lo)) return Error::logic("cpu list: '" + std::string(part) + "' is not a CPU number", EINVAL);
      hi = lo;
    } else if (!to_number(part.substr(0, dash), lo) || !to_number(part.substr(dash + 1), hi) || hi < lo) {
      return Error::logic("cpu list: '" + std::string(part) + "' is not a range", EINVAL);
    }
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
  }
  return cpus;
}

std::vector<std::string> parse_cmdline(std::string_view text) {
  std::vector<std::string> args;
  // Sized once (ps parses thousands of these): one argument per NUL, plus an
  // unterminated last one.
  std::size_t count = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\0'));
  if (!text.empty() && text.back() != '\0') ++count;
  args.reserve(count);
  while (!text.empty()) {
    std::size_t nul = text.find('\0');
    args.emplace_back(text.substr(0, nul));
    if (nul == std::string_view::npos) break;
    text.remove_prefix(nul + 1);
  }
  return args;
}

void join_cmdline(std::string_view text, std::string& out) {
  out.assign(text.data(), text.size());
  while (!out.empty() && out.back() == '\0') out.pop_back();
  for (char& c : out)
    if (c == '\0' || c == '\n') c = ' ';
}

std::vector<std::string> parse_cgroup(std::string_view text) {
  std::vector<std::string> lines;
  std::string_view line;
  while (next_line(text, line))
    if (!line.empty()) lines.emplace_back(line);
  return lines;
}

std::string_view parse_wchan(std::string_view text) {
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  if (text == "0") return {};
  return text;
}

bool parse_freezer_state_frozen(std::string_view text) {
  std::string_view state = next_token(text);
  return state == "FROZEN" || state == "FREEZING";
}

bool parse_cgroup_events_frozen(std::string_view text) {
  std::string_view line;
  while (next_line(text, line)) {
    std::string_view key = next_token(line);
    if (key == "frozen") return next_token(line) == "1";
  }
  return false;
}

}  // namespace corral::proc
