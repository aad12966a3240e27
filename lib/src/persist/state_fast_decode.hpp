// SPDX-License-Identifier: Apache-2.0
// The state file as corrald writes it, read without building a JSON tree.
//
// corrald reads its state file at every start, and re-adopting 1,000 services
// spent about a quarter of its time building (and freeing) nlohmann's tree of
// the 250 kB file. This reader takes the common case straight into the
// records: known keys, integers, booleans, ASCII strings without escapes,
// arrays. Anything else (an escape, a non-ASCII byte, a float, a missing,
// unknown or repeated key, a value out of range, a format other than the
// current one, a torn file) makes it give up, and decode() reads the text the
// full way, with the full way's error messages: the two agree on every file
// this one accepts (tests/unit/persist_state_test.cpp checks it on fixtures).
#pragma once

#include <optional>
#include <string_view>

#include "corral/persist/state.hpp"

namespace corral::persist::detail {

std::optional<DaemonState> decode_fast(std::string_view text);
// The full reader (nlohmann's tree, every check with its message): decode()
// without the fast path, for the tests that compare the two.
Result<DaemonState> decode_tree(std::string_view text);

}  // namespace corral::persist::detail
