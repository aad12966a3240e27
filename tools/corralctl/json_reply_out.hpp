// SPDX-License-Identifier: Apache-2.0
// `--json` for the long listings (status, jobs): the data of corrald's reply
// {"data":[...],"ok":true,"v":1} printed exactly as parse + dump(2) would print it,
// but element by element as the reply arrives, each re-indented from its text
// without a tree (protocol::reindent_json). With 10,000 jobs the reply is ~5 MB
// and its dump ~7 MB: parsing it into a tree, and even holding the reply and the
// output whole, cost more than the rest of the command (issues 13 and 14; on a
// VM a page of fresh memory is dear). An element not in nlohmann's canonical
// form (say an escaped key) is parsed and dumped by nlohmann, alone, so the
// output stays parse + dump(2) byte for byte.
#pragma once

#include <optional>
#include <string>

#include "commands.hpp"
#include "corral/protocol/protocol.hpp"

namespace corral::ctl {

// Sends req and prints the reply's data. nullopt when it is done with: printed
// (ctx.exit_code 0), or failed with the error printed and ctx.exit_code set. Else
// the whole reply line, which is not a list (an error reply, say): decode it as
// call() does.
std::optional<std::string> call_print_list_json(const protocol::Request& req, Context& ctx);
// call_print_list_json() when `print_list`, else call_line(): the reply line to
// decode, or nullopt when there is none to (printed, or failed with the error
// printed and ctx.exit_code set).
std::optional<std::string> call_line_or_print_list(const protocol::Request& req, Context& ctx, bool print_list);

}  // namespace corral::ctl
