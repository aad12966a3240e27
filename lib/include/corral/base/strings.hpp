// SPDX-License-Identifier: Apache-2.0
// Tiny string helpers shared by the parsers of names (signals, rlimits, ...).
#pragma once

#include <cctype>
#include <string_view>

namespace corral {

// ASCII case-insensitive equality: "sigterm" == "SIGTERM".
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace corral
