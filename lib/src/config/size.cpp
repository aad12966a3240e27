// SPDX-License-Identifier: Apache-2.0
// Byte sizes for log_max_size and memory_max: binary units, as in "10M".
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "corral/config/units.hpp"

namespace corral::config {
namespace {

Error bad(std::string_view text, std::string_view why) {
  std::string msg = "bad size \"" + std::string(text) + "\": " + std::string(why);
  if (why.find("(use") == std::string_view::npos) msg += " (expected e.g. \"512\", \"64K\", \"10M\", \"1G\")";
  return Error::logic(std::move(msg), EINVAL);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<std::uint64_t> parse_size(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return bad(text, "empty");
  if (s.front() == '-') return bad(text, "negative");
  size_t i = 0, int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return bad(text, "missing number");
  if (int_digits > 20) return bad(text, "too large");
  std::string number(s.substr(0, i));
  std::string_view unit = s.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  int shift = 0;
  if (!unit.empty()) {
    switch (unit.front()) {
      case 'b': case 'B': shift = -1; break;
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      case 't': case 'T': shift = 40; break;
      default: return bad(text, "unknown unit \"" + std::string(unit) + "\" (use K, M, G or T)");
    }
    std::string_view tail = unit.substr(1);
    bool tail_ok = shift == -1 ? tail.empty() : (tail.empty() || tail == "B" || tail == "b" || tail == "iB");
    if (!tail_ok) return bad(text, "unknown unit \"" + std::string(unit) + "\" (use K, M, G or T)");
    if (shift == -1) shift = 0;
  }
  if (frac_digits == 0) {
    // Exact integer path: no floating point for plain byte counts.
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
    if (ec != std::errc{} || end != number.data() + number.size()) return bad(text, "too large");
    if (shift > 0 && v > (~0ULL >> shift)) return bad(text, "too large");
    return v << shift;
  }
  long double v = std::strtold(number.c_str(), nullptr) * std::ldexp(1.0L, shift);
  if (v >= 1.8e19L) return bad(text, "too large");
  return static_cast<std::uint64_t>(std::floor(v));
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "0";
  static constexpr struct {
    int shift;
    char unit;
  } units[] = {{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}};
  for (auto u : units)
    if (bytes % (1ULL << u.shift) == 0) return std::to_string(bytes >> u.shift) + u.unit;
  return std::to_string(bytes);
}

}  // namespace corral::config
