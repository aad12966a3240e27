// SPDX-License-Identifier: Apache-2.0
// `status` without a JSON tree on either side (issue 13): the daemon's reply line
// is still exactly what nlohmann would write for it, and `corralctl status --json`
// still prints exactly nlohmann's dump(2) of the data, with awkward text in it
// (quotes, a backslash, UTF-8, control characters from an exec error).
#include <cstdio>

#include "daemon_fixture.hpp"
#include "program_dir.hpp"

namespace corral::testing {
namespace {

int corralctl_out(const std::string& socket, const std::string& args, std::string& out) {
  std::string cmd = program_dir() + "/tools/corralctl --socket " + socket + " " + args;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  out.clear();
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Two running services (one with instances), one that cannot exec: its error
// and last exit carry a path with a quote, a backslash and UTF-8.
constexpr const char* kConfig = R"(
[service.sleeper]
command = ["sleep", "1000"]

[service.pool]
command = ["sleep", "1000"]
instances = 3

[service."ghost"]
command = ["/nonexistent/caf\u00e9 \"q\" back\\slash tab\t", "arg"]
start_limit_burst = 2
)";

TEST_F(DaemonFixture, StatusReplyIsNlohmannsRenderingByteForByte) {
  start_daemon(kConfig);
  ASSERT_TRUE(wait_state("sleeper", "running")) << daemon_stderr();
  ASSERT_TRUE(wait_state("pool@2", "running")) << daemon_stderr();
  ASSERT_TRUE(wait_state("ghost", "fatal")) << daemon_stderr();

  Client c(socket_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send_raw("{\"v\":1,\"cmd\":\"status\"}\n"));
  const std::string line = c.read_line();
  ASSERT_FALSE(line.empty());
  auto resp = protocol::decode_response(line);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  ASSERT_TRUE(resp->ok);
  ASSERT_EQ(resp->data.size(), 5u) << line;
  // The tree rendering of the same reply: what corrald sent before.
  EXPECT_EQ(protocol::encode(*resp), line + "\n");
  bool saw_ghost = false;
  for (const auto& row : resp->data) {
    if (row["name"] != "ghost") continue;
    saw_ghost = true;
    const std::string error = row["error"];
    EXPECT_NE(error.find("caf\xc3\xa9 \"q\" back\\slash"), std::string::npos) << error;
  }
  EXPECT_TRUE(saw_ghost);

  // A subset by name goes the same way.
  Client one(socket_);
  ASSERT_TRUE(one.send_raw("{\"v\":1,\"cmd\":\"status\",\"names\":[\"pool\"]}\n"));
  const std::string pool = one.read_line();
  auto pool_resp = protocol::decode_response(pool);
  ASSERT_TRUE(pool_resp.ok());
  ASSERT_EQ(pool_resp->data.size(), 3u);
  EXPECT_EQ(protocol::encode(*pool_resp), pool + "\n");
}

TEST_F(DaemonFixture, CorralctlStatusJsonIsNlohmannsPrettyDump) {
  start_daemon(kConfig);
  ASSERT_TRUE(wait_state("pool@2", "running")) << daemon_stderr();
  ASSERT_TRUE(wait_state("ghost", "fatal")) << daemon_stderr();
  std::string out;
  ASSERT_EQ(corralctl_out(socket_, "status --json", out), 0) << out;
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(j.is_array()) << out;
  ASSERT_EQ(j.size(), 5u);
  // Printed as before: nlohmann's dump(2) of the data and a newline.
  EXPECT_EQ(out, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  for (const auto& row : j)
    for (const char* key : {"name", "state", "pid", "restarts", "uptime_s", "last_exit", "error", "deadlock", "ready",
                            "health", "status_text"})
      EXPECT_TRUE(row.contains(key)) << key;

  // An unknown name is still the daemon's error and exit status 1, through the slow path.
  EXPECT_EQ(corralctl_out(socket_, "status --json nosuch 2>/dev/null", out), 1);
  EXPECT_EQ(out, "");
  // The table (no --json) still decodes the reply.
  ASSERT_EQ(corralctl_out(socket_, "status", out), 0) << out;
  EXPECT_NE(out.find("pool@1"), std::string::npos) << out;
  EXPECT_NE(out.find("ghost"), std::string::npos) << out;
}

}  // namespace
}  // namespace corral::testing
