// SPDX-License-Identifier: Apache-2.0
// `--json` for the long listings (status, jobs): the daemon's reply line
// {"data":D,"ok":true,"v":1} printed as parse + dump(2) of D would print it, by
// re-indenting D's text without a tree (protocol::reindent_json). Parsing 1,000
// services or 10,000 jobs into a tree cost more than the rest of the command
// (issues 13 and 14).
#pragma once

#include <string_view>

namespace corral::ctl {

// True when printed. False, with nothing printed, when the line is not a success
// reply in nlohmann's canonical compact form: the caller then decodes it as any
// other reply (an error reply comes that way too).
bool print_reply_data_reindented(std::string_view line);

}  // namespace corral::ctl
