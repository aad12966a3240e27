// SPDX-License-Identifier: Apache-2.0
#include "corral/jobs/time_units.hpp"

#include <cstdio>

namespace corral::jobs {

Result<Tick> parse_units(std::string_view text, Tick unit) {
  auto bad = [&](const char* why) {
    return Error::logic("\"" + std::string(text) + "\" is not a time in units: " + why);
  };
  if (text.empty()) return bad("empty");
  Tick whole = 0, frac = 0, scale = unit;
  bool dot = false, digits = false;
  for (char c : text) {
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return bad("expected digits and at most one '.'");
    digits = true;
    int d = c - '0';
    if (!dot) {
      if (whole > (kForever / unit - 9) / 10) return bad("too large");
      whole = whole * 10 + d;
    } else {
      if (scale % 10 != 0) return bad("too many decimals");
      scale /= 10;
      frac += d * scale;
    }
  }
  if (!digits) return bad("no digits");
  return whole * unit + frac;
}

std::string format_units(Tick ticks, Tick unit) {
  std::string out = std::to_string(ticks / unit);
  Tick rest = ticks % unit;
  if (rest == 0) return out;
  out += '.';
  for (Tick scale = unit / 10; scale > 0 && rest > 0; scale /= 10) {
    out += static_cast<char>('0' + rest / scale);
    rest %= scale;
  }
  return out;
}

}  // namespace corral::jobs
