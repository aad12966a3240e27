// SPDX-License-Identifier: Apache-2.0
// corralctl's side of the control protocol: one connection to corrald, one
// request and its reply (or, for `logs -f`, the stream that follows).
#pragma once

#include <string>

#include "commands.hpp"
#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"
#include "corral/protocol/protocol.hpp"

namespace corral::ctl {

// ctx.socket_path, or the default for this user.
std::string socket_path_for(const Context& ctx);

class DaemonConnection {
 public:
  // Error code ECONNREFUSED/ENOENT/...: the daemon is not there (exit code 3).
  static Result<DaemonConnection> connect(const std::string& path);
  Result<protocol::Response> request(const protocol::Request& req);
  // The reply line as sent (without '\n'), not decoded.
  Result<std::string> request_line(const protocol::Request& req);
  // The next line from the daemon (without '\n'); an Error with code 0 at end of stream.
  Result<std::string> read_line();
  // Whatever comes next, as it comes (at most one read's worth), appended to `into`:
  // for a reply printed while it arrives. 0 at end of stream.
  Result<std::size_t> read_some(std::string& into);
  // Sends one request line, without waiting for the reply.
  Status send_request(const protocol::Request& req);

 private:
  UniqueFd fd_;
  std::string buf_;
};

// Sends one request and returns the reply; prints the error and sets
// ctx.exit_code (3 unreachable, 1 refused/failed) when there is none or it failed.
Result<protocol::Response> call(const protocol::Request& req, Context& ctx);
// call() in two halves, for a reply that may be printed without decoding it:
// the reply line (or the error printed, exit code 3 or 1), then its decoding
// with call()'s checks and messages.
Result<std::string> call_line(const protocol::Request& req, Context& ctx);
// The connection call_line() makes (or the error printed, exit code 3).
Result<DaemonConnection> connect_for(Context& ctx);
Result<protocol::Response> decode_reply(std::string_view line, Context& ctx);

// `show NAME` for a supervised service: settings, exit history and the PCB of its
// process. The lead's `show` dispatches here when the argument is not all digits.
int show_service(const std::string& name, Context& ctx);

}  // namespace corral::ctl
