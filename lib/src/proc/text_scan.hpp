// SPDX-License-Identifier: Apache-2.0
// Private helpers for the /proc parsers: field splitting and number parsing on
// string_view with std::from_chars (no locale, no allocation).
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

namespace corral::proc::detail {

inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

inline void skip_blanks(std::string_view& s) {
  std::size_t i = 0;
  while (i < s.size() && is_blank(s[i])) ++i;
  s.remove_prefix(i);
}

// Next blank-separated token; empty when none is left.
inline std::string_view next_token(std::string_view& s) {
  skip_blanks(s);
  std::size_t i = 0;
  while (i < s.size() && !is_blank(s[i])) ++i;
  std::string_view tok = s.substr(0, i);
  s.remove_prefix(i);
  return tok;
}

// The whole token must be a number in base `base`.
template <typename T>
bool to_number(std::string_view tok, T& out, int base = 10) {
  if (tok.empty()) return false;
  if (base == 16 && tok.size() > 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X'))
    tok.remove_prefix(2);
  auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), out, base);
  return ec == std::errc() && ptr == tok.data() + tok.size();
}

// Next line without its '\n'; returns false at the end.
inline bool next_line(std::string_view& s, std::string_view& line) {
  if (s.empty()) return false;
  std::size_t nl = s.find('\n');
  if (nl == std::string_view::npos) {
    line = s;
    s = {};
  } else {
    line = s.substr(0, nl);
    s.remove_prefix(nl + 1);
  }
  return true;
}

}  // namespace corral::proc::detail
