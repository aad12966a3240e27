// SPDX-License-Identifier: Apache-2.0
// nlohmann's dump(indent) of a compact JSON text, written straight from the text
// without building a tree: `corralctl status --json` only re-indents the daemon's
// reply, and parsing 1,000 services into a tree cost more than the rest of the
// command (issue 13).
//
// It takes the canonical subset nlohmann's own compact dump writes: object keys
// without escapes in strictly increasing byte order (nlohmann's std::map order, so
// no duplicates), strings with only the escapes nlohmann writes and valid UTF-8,
// integers of at most 18 digits, nesting at most protocol's 64 levels. On anything
// else it returns false and leaves out unspecified; the caller then parses and
// dumps. So whatever it writes is byte for byte what parse + dump(indent) writes.
#pragma once

#include <string>
#include <string_view>

namespace corral::protocol {

bool reindent_json(std::string_view compact, int indent, std::string& out);
// The same for a value nested `depth` levels down (its lines indented as dump
// indents them there): an element of a top-level array is at depth 1. corralctl
// prints a long listing element by element as it arrives.
bool reindent_json(std::string_view compact, int indent, int depth, std::string& out);
// The value at the start of `text` (spaces before it skipped), whatever follows it:
// *consumed is where the value ends. False when it is not in the canonical form or
// the text ends inside it (a number cut short at the very end is not noticed: the
// caller wants a delimiter after *consumed). For a long list read in pieces.
bool reindent_json_prefix(std::string_view text, int indent, int depth, std::string& out, std::size_t& consumed);

}  // namespace corral::protocol
