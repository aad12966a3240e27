// SPDX-License-Identifier: Apache-2.0
// A scan of a config file's raw bytes before toml++ parses it.
//
// Why a byte check, not a patched toml++: Debian 12's toml++ 3.3.0 has two
// bugs a config file can reach (upstream issue 295, fixed after 3.3.0):
// - is_non_ascii_horizontal_whitespace() reaches __builtin_unreachable for
//   U+00A1-0499, U+2C5E-2FFF, U+3001-3057 and U+FB26-FEFE (worked out from its
//   bit mask: child blocks 0, 11 and 63 pass the mask but have no case). The
//   parser asks it about a code point only outside strings and comments, and
//   in a multi-line basic string right after a backslash or after the
//   whitespace a line-ending backslash skips.
// - parse_table_header() calls parse_key() on whatever follows "[" (or "[[")
//   and its spaces, and parse_key() asserts (in the clang build: assumes) that
//   it is a key's first character.
// toml++ is header-only, so a patched Debian source package would have to be
// built and installed on every developer's machine and CI before corral
// builds; this scan is ~150 lines, runs in the same process on every file, and
// refuses exactly the inputs that reach those paths (never a non-ASCII
// character inside a string or comment), naming file:line:col. The fuzzer
// (tests/fuzz, clang with toml++ asserts on, UBSan) checks that it is enough.
//
// The scan also finds the first string that is not closed, so that a syntax
// error caused by it is reported as "unterminated string" at its opening quote
// (toml++ reports it at the end of the line, as a control character).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace corral::config::detail {

struct TomlBytePlace {
  unsigned line = 0;  // 1-based, like toml++'s: columns count code points
  unsigned column = 0;
  std::string message;
};

struct TomlByteScan {
  std::optional<TomlBytePlace> refuse;        // input that reaches a toml++ 3.3.0 bug
  std::optional<TomlBytePlace> unterminated;  // the first string never closed
};

TomlByteScan scan_toml_bytes(std::string_view text);

}  // namespace corral::config::detail
