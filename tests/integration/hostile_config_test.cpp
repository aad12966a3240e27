// SPDX-License-Identifier: Apache-2.0
// A config with a 100,000-long `after` chain (issue 9, fix 1): corrald starts
// on it and survives a reload of it (it used to overflow its stack at 30,000).
#include <cstdio>

#include "daemon_fixture.hpp"

namespace corral::testing {
namespace {

std::string chain(int n) {
  std::string toml = "[daemon]\nfair_share = \"off\"\ndeadlock_check = \"off\"\n";
  char line[96];
  for (int i = 0; i < n; ++i) {
    std::snprintf(line, sizeof line, "[service.s%06d]\ncommand = [\"true\"]\nautostart = false\n", i);
    toml += line;
    if (i + 1 < n) {
      std::snprintf(line, sizeof line, "after = [\"s%06d\"]\n", i + 1);
      toml += line;
    }
  }
  return toml;
}

TEST_F(DaemonFixture, HundredThousandLongAfterChainStartsAndReloads) {
  // Loading 100,000 services takes ~1 s on a quiet machine; the deadlines allow a loaded one.
  start_daemon(chain(100000), {}, std::chrono::seconds(300));
  protocol::Request show;
  show.command = protocol::Command::Show;
  show.names = {"s099999"};
  auto r = call(show);
  ASSERT_TRUE(r.ok) << r.error << "; corrald's wait status " << daemon_status_ << ", stderr:\n" << daemon_stderr();
  // Reload the same file, then one with a service more: corrald stays up and answers.
  protocol::Request reload_req;
  reload_req.command = protocol::Command::Reload;
  Client c(socket_, std::chrono::seconds(300));
  auto reload = c.call(reload_req);
  EXPECT_TRUE(reload.ok) << reload.error;
  write_config(chain(100000) + "[service.extra]\ncommand = [\"true\"]\nautostart = false\nafter = [\"s000000\"]\n");
  reload = c.call(reload_req);
  EXPECT_TRUE(reload.ok) << reload.error;
  EXPECT_FALSE(daemon_exited()) << daemon_stderr();
  show.names = {"extra"};
  EXPECT_TRUE(call(show).ok);
}

}  // namespace
}  // namespace corral::testing
