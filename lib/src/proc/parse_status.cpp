// SPDX-License-Identifier: Apache-2.0
// /proc/PID/status: "Key:\tvalue" lines. Only the keys corral uses are decoded.
#include <charconv>
#include <string>

#include "corral/proc/parsers.hpp"
#include "text_scan.hpp"

namespace corral::proc {
namespace {
using namespace detail;

template <typename T, std::size_t N>
bool four_ids(std::string_view v, std::array<T, N>& out) {
  for (auto& x : out)
    if (!to_number(next_token(v), x)) return false;
  return true;
}

// "CapEff:\t000001ffffffffff" -> the bits.
bool hex_value(std::string_view v, std::uint64_t& out) {
  std::string_view t = next_token(v);
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out, 16);
  return !t.empty() && ec == std::errc() && p == t.data() + t.size();
}

// "VmRSS:\t  1804 kB" -> 1804
bool kib_value(std::string_view v, std::uint64_t& out) { return to_number(next_token(v), out); }

Error bad(std::string_view key) {
  return Error::logic("status: line '" + std::string(key) + "': bad value", EINVAL);
}
}  // namespace

Result<StatusFields> parse_status(std::string_view text) {
  StatusFields f;
  std::string_view line;
  while (next_line(text, line)) {
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view val = line.substr(colon + 1);
    switch (key.size() > 0 ? key[0] : 0) {
      case 'U':
        if (key == "Uid") {
          if (!four_ids(val, f.uid)) return bad(key);
          f.has_uid = true;
        }
        break;
      case 'G':
        if (key == "Gid") {
          if (!four_ids(val, f.gid)) return bad(key);
          f.has_gid = true;
        }
        break;
      case 'T':
        if (key == "Threads" && !to_number(next_token(val), f.threads)) return bad(key);
        break;
      case 'V':
        if (key == "VmRSS" && !kib_value(val, f.vm_rss_kib)) return bad(key);
        if (key == "VmSize" && !kib_value(val, f.vm_size_kib)) return bad(key);
        break;
      case 'K':
        if (key == "Kthread") f.kthread = next_token(val) == "1";
        break;
      case 'C':
        if (key == "Cpus_allowed_list") f.cpus_allowed_list = next_token(val);
        if (key == "CapPrm" && !hex_value(val, f.cap_prm)) return bad(key);
        if (key == "CapEff" && !hex_value(val, f.cap_eff)) return bad(key);
        if (key == "CapAmb") {
          if (!hex_value(val, f.cap_amb)) return bad(key);
          f.has_caps = true;
        }
        break;
      case 'S':
        if (key == "Seccomp" && !to_number(next_token(val), f.seccomp_mode)) return bad(key);
        if (key == "Seccomp_filters" && !to_number(next_token(val), f.seccomp_filters)) return bad(key);
        break;
      case 'N':
        if (key == "NoNewPrivs" && !to_number(next_token(val), f.no_new_privs)) return bad(key);
        break;
      case 'v':
        if (key == "voluntary_ctxt_switches" && !to_number(next_token(val), f.voluntary_ctxt)) return bad(key);
        break;
      case 'n':
        if (key == "nonvoluntary_ctxt_switches" && !to_number(next_token(val), f.involuntary_ctxt)) return bad(key);
        break;
      default:
        break;
    }
  }
  if (!f.has_uid) return Error::logic("status: no 'Uid' line", EINVAL);
  return f;
}

}  // namespace corral::proc
