// SPDX-License-Identifier: Apache-2.0
// Duration parsing for the config file. Numbers are parsed by hand (digits and one
// dot) so "inf", "1e3" or "-1" never slip through a library number parser.
#include <cmath>
#include <cstdlib>
#include <string>

#include "corral/config/units.hpp"

namespace corral::config {
namespace {

// About 31 years: far above any sensible setting, far below the int64 ns limit.
constexpr long double kMaxNs = 1e18L;

struct Unit {
  std::string_view name;
  long double ns;
};
constexpr Unit kUnits[] = {
    {"ns", 1.0L}, {"us", 1e3L}, {"ms", 1e6L}, {"s", 1e9L}, {"m", 60e9L}, {"h", 3600e9L},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

Error bad(std::string_view text, std::string_view why) {
  std::string msg = "bad duration \"" + std::string(text) + "\": " + std::string(why);
  if (why.find("(use") == std::string_view::npos) msg += " (expected e.g. \"500ms\", \"10s\", \"2m\", \"1.5s\")";
  return Error::logic(std::move(msg), EINVAL);
}

}  // namespace

Result<Duration> duration_from_seconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return Error::logic("bad duration: a number of seconds must be finite and not negative", EINVAL);
  long double ns = static_cast<long double>(seconds) * 1e9L;
  if (ns > kMaxNs) return Error::logic("duration " + std::to_string(seconds) + "s is too long", EINVAL);
  return Duration(std::llround(ns));
}

Result<Duration> parse_duration(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return bad(text, "empty");
  if (s.front() == '-') return bad(text, "negative");
  long double total = 0;
  bool first = true;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && is_digit(s[i])) ++i;
    size_t int_digits = i;
    size_t frac_digits = 0;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
    }
    if (int_digits == 0 && frac_digits == 0) return bad(text, "a number must come before each unit");
    if (int_digits > 18) return bad(text, "number too large");
    std::string number(s.substr(0, i));
    long double value = std::strtold(number.c_str(), nullptr);
    s.remove_prefix(i);
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);  // "10 s" reads as "10s"
    size_t u = 0;
    while (u < s.size() && !is_digit(s[u]) && s[u] != '.') ++u;
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    while (!unit.empty() && unit.back() == ' ') unit.remove_suffix(1);
    long double scale = 0;
    if (unit.empty()) {
      // A bare number means seconds, but only on its own ("5"), not as "1m5".
      if (!first || !s.empty()) return bad(text, "missing unit");
      scale = 1e9L;
    } else {
      for (const Unit& k : kUnits)
        if (k.name == unit) scale = k.ns;
      if (scale == 0) return bad(text, "unknown unit \"" + std::string(unit) + "\" (use ns, us, ms, s, m or h)");
    }
    total += value * scale;
    if (total > kMaxNs) return bad(text, "too long");
    first = false;
  }
  return Duration(std::llround(total));
}

std::string format_duration(Duration d) {
  long long ns = d.count();
  if (ns == 0) return "0s";
  struct U {
    long long ns;
    const char* name;
  };
  // Largest unit that divides exactly, but "m"/"h" only when they are whole.
  static constexpr U units[] = {
      {3600'000'000'000LL, "h"}, {60'000'000'000LL, "m"}, {1'000'000'000LL, "s"},
      {1'000'000LL, "ms"},       {1'000LL, "us"},         {1LL, "ns"},
  };
  for (const U& u : units)
    if (ns % u.ns == 0) return std::to_string(ns / u.ns) + u.name;
  return std::to_string(ns) + "ns";
}

}  // namespace corral::config
