// SPDX-License-Identifier: Apache-2.0
// JSON text pieces written exactly as nlohmann::json's dump(-1, ' ', false,
// error_handler_t::replace) writes them, for the replies that are rendered
// without building a JSON tree (status, jobs). The wire format is nlohmann's: these
// helpers must never change a byte of it (tests/unit/protocol_status_reply_test.cpp
// compares them with nlohmann on awkward input).
#pragma once

#include <string>
#include <string_view>

namespace corral::protocol {

// The deepest nesting of arrays and objects either side of the protocol
// accepts. The JSON parser (and copying or freeing a value) recurses once per
// level, so deeper input is refused by a byte scan before it is parsed: a
// protocol error, never a stack overflow.
inline constexpr int kMaxJsonDepth = 64;

// True when s is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF),
// the same rule nlohmann's parser and serializer apply.
bool is_valid_utf8(std::string_view s);

// s as a JSON string literal with its quotes: '"', '\\' and control characters
// escaped as nlohmann does (\b \f \n \r \t, else \u00xx in lower case), UTF-8
// passed through, and invalid UTF-8 replaced by U+FFFD as nlohmann's replace
// handler does.
void append_json_string(std::string& out, std::string_view s);

// v as nlohmann prints a double: Grisu2 shortest form, "1.0" for whole numbers,
// "null" for NaN and infinities.
void append_json_double(std::string& out, double v);

void append_json_int(std::string& out, long long v);
// An unsigned value (nlohmann's number_unsigned: ids, uids, start times).
void append_json_uint(std::string& out, unsigned long long v);

}  // namespace corral::protocol
