// SPDX-License-Identifier: Apache-2.0
// /proc/PID/stat: "pid (comm) state ppid ...". comm may hold spaces and parentheses
// (a process can name itself "a) (b"), so the comm ends at the LAST ')' of the text.
#include <string>

#include "corral/proc/parsers.hpp"
#include "text_scan.hpp"

namespace corral::proc {
namespace {
Error field_error(int index, const char* name) {
  return Error::logic("stat: field " + std::to_string(index) + " (" + name + "): not a number", EINVAL);
}
}  // namespace

Result<StatFields> parse_stat(std::string_view text) {
  using namespace detail;
  StatFields f;
  std::size_t open = text.find('(');
  std::size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return Error::logic("stat: no '(comm)' field", EINVAL);
  if (!to_number(text.substr(0, open > 0 ? open - 1 : 0), f.pid)) return field_error(1, "pid");
  f.comm = text.substr(open + 1, close - open - 1);

  std::string_view rest = text.substr(close + 1);
  std::string_view state = next_token(rest);
  if (state.size() != 1) return Error::logic("stat: field 3 (state): not one letter", EINVAL);
  f.state = state[0];

  // Fields 4.. by number (proc(5) numbering). Fields we do not use are skipped.
  int index = 3;
  for (;;) {
    std::string_view tok = next_token(rest);
    if (tok.empty()) break;
    ++index;
    bool ok = true;
    switch (index) {
      case 4: ok = to_number(tok, f.ppid); if (!ok) return field_error(index, "ppid"); break;
      case 5: ok = to_number(tok, f.pgrp); if (!ok) return field_error(index, "pgrp"); break;
      case 6: ok = to_number(tok, f.session); if (!ok) return field_error(index, "session"); break;
      case 9: ok = to_number(tok, f.flags); if (!ok) return field_error(index, "flags"); break;
      case 14: ok = to_number(tok, f.utime); if (!ok) return field_error(index, "utime"); break;
      case 15: ok = to_number(tok, f.stime); if (!ok) return field_error(index, "stime"); break;
      case 18: ok = to_number(tok, f.priority); if (!ok) return field_error(index, "priority"); break;
      case 19: ok = to_number(tok, f.nice); if (!ok) return field_error(index, "nice"); break;
      case 20: ok = to_number(tok, f.num_threads); if (!ok) return field_error(index, "num_threads"); break;
      case 22: ok = to_number(tok, f.starttime); if (!ok) return field_error(index, "starttime"); break;
      case 23: ok = to_number(tok, f.vsize_bytes); if (!ok) return field_error(index, "vsize"); break;
      case 24: ok = to_number(tok, f.rss_pages); if (!ok) return field_error(index, "rss"); break;
      case 39: ok = to_number(tok, f.processor); if (!ok) return field_error(index, "processor"); break;
      case 40: ok = to_number(tok, f.rt_priority); if (!ok) return field_error(index, "rt_priority"); break;
      case 41: ok = to_number(tok, f.policy); if (!ok) return field_error(index, "policy"); break;
      default: break;
    }
    if (index >= 41) break;  // nothing after policy is used
  }
  if (index < 24) return Error::logic("stat: only " + std::to_string(index) + " fields, expected at least 24", EINVAL);
  return f;
}

}  // namespace corral::proc
