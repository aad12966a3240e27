// SPDX-License-Identifier: Apache-2.0
// End to end: the built corralctl's ps, show and tree on real processes, their JSON
// shapes and exit codes.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "corral/proc/reader.hpp"
#include "proc_test_util.hpp"
#include "program_dir.hpp"

namespace corral::ctl {
namespace {
using corral::testing::Child;
using corral::testing::helper_path;
using corral::testing::run;
using nlohmann::json;

std::string corralctl() { return corral::testing::program_dir() + "/tools/corralctl"; }

// After "ready" the helper still has to enter read(); wait until it sleeps there.
void wait_blocked(pid_t pid) {
  ASSERT_TRUE(corral::testing::eventually([&] {
    auto p = corral::proc::read_process(pid);
    return p && p->control.kernel_state == 'S' && p->control.blocked_syscall;
  }));
}

TEST(CorralctlInspect, PsJsonListsEveryProcessWithTheKeys) {
  Child c;
  ASSERT_TRUE(c.start({helper_path("proc_states"), "comm", "a) (b"}));
  ASSERT_EQ(c.ready_line(), "ready");
  wait_blocked(c.pid());
  auto r = run({corralctl(), "ps", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  ASSERT_TRUE(j.is_array());
  EXPECT_GT(j.size(), 3u);
  bool found = false;
  for (const json& row : j) {
    for (const char* key : {"pid", "ppid", "user", "state", "kernel_state", "policy", "nice", "cpu", "rss_kib",
                            "threads", "wchan", "command"})
      ASSERT_TRUE(row.contains(key)) << key << " missing in " << row.dump();
    if (row["pid"] == c.pid()) {
      found = true;
      EXPECT_EQ(row["comm"], "a) (b");
      EXPECT_EQ(row["ppid"], ::getpid());
      EXPECT_EQ(row["state"], "Blocked");
      EXPECT_EQ(row["kernel_state"], "S");
      EXPECT_EQ(row["policy"], "other");
      EXPECT_EQ(row["user"], "root");
      EXPECT_EQ(row["threads"], 1);
    }
  }
  EXPECT_TRUE(found);
}

TEST(CorralctlInspect, PsFiltersAndThreads) {
  Child c;
  ASSERT_TRUE(c.start({helper_path("proc_states"), "threads", "3"}));
  ASSERT_EQ(c.ready_line(), "ready");
  std::string pid = std::to_string(c.pid());
  auto r = run({corralctl(), "ps", "--pid", pid, "--threads", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  ASSERT_EQ(j.size(), 3u) << r.out;
  for (const json& row : j) {
    EXPECT_EQ(row["pid"], c.pid());
    EXPECT_TRUE(row.contains("tid"));
  }
  wait_blocked(c.pid());
  auto table = run({corralctl(), "ps", "--pid", pid});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("PID"), std::string::npos);
  EXPECT_NE(table.out.find("STATE"), std::string::npos);
  EXPECT_NE(table.out.find("Blocked"), std::string::npos);

  auto zombies = run({corralctl(), "ps", "--state", "Exit", "--pid", pid, "--json"});
  ASSERT_EQ(zombies.exit_code, 0);
  EXPECT_EQ(json::parse(zombies.out).size(), 0u);

  auto sorted = run({corralctl(), "ps", "--sort=-pid", "--json"});
  ASSERT_EQ(sorted.exit_code, 0);
  json s = json::parse(sorted.out);
  ASSERT_GE(s.size(), 2u);
  EXPECT_GT(s[0]["pid"].get<int>(), s[1]["pid"].get<int>());
}

// The PCB's privileges (issue 12) in ps only when asked for, and then exactly as
// `show PID --json` has them. The process sets no_new_privs itself, then execs sleep.
TEST(CorralctlInspect, PsPrivilegesOnlyWhenAsked) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    ::execl("/bin/sleep", "sleep", "1000", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  struct Reap {
    pid_t pid;
    ~Reap() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reap{pid};
  const std::string id = std::to_string(pid);
  ASSERT_TRUE(corral::testing::eventually([&] {
    auto p = corral::proc::read_process(pid);
    return p && p->id.comm == "sleep" && p->control.kernel_state == 'S';
  }));

  auto plain = run({corralctl(), "ps", "--pid", id, "--json"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  json rows = json::parse(plain.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows[0].contains("privileges")) << "not read without --privileges";

  auto asked = run({corralctl(), "ps", "--pid", id, "--privileges", "--json"});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  json with = json::parse(asked.out);
  ASSERT_EQ(with.size(), 1u);
  ASSERT_TRUE(with[0].contains("privileges")) << asked.out;
  const json& priv = with[0]["privileges"];
  EXPECT_EQ(priv["no_new_privs"], true);
  EXPECT_EQ(priv["seccomp"], "disabled");
  auto show = run({corralctl(), "show", id, "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(priv, json::parse(show.out)["control"]["privileges"]);
  EXPECT_EQ(with[0]["user"], rows[0]["user"]) << "USER stays the effective user";

  auto table = run({corralctl(), "ps", "--pid", id, "--privileges"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("SECCOMP"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("NNP"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(" yes "), std::string::npos) << table.out;
}

// ps --json writes its JSON by hand: a command line with quotes, a backslash, a
// control character and UTF-8 comes out as valid JSON holding the same text.
TEST(CorralctlInspect, PsJsonEscapesTheCommandLine) {
  const std::string arg0 = "sl\"ee\\p \x01 caf\xc3\xa9";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl("/bin/sleep", arg0.c_str(), "1000", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  struct Reap {
    pid_t pid;
    ~Reap() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reap{pid};
  ASSERT_TRUE(corral::testing::eventually([&] {
    auto p = corral::proc::read_process(pid);
    return p && p->id.comm == "sleep" && !p->id.cmdline.empty() && p->id.cmdline[0] == arg0;
  }));
  auto r = run({corralctl(), "ps", "--pid", std::to_string(pid), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["command"], arg0 + " 1000");
  EXPECT_NE(r.out.find("sl\\\"ee\\\\p \\u0001 caf\xc3\xa9"), std::string::npos) << r.out;
}

// ps --json goes out in 64 KiB pieces: rows of 30,000-byte command lines cross
// piece boundaries, and the output is still one array holding every row whole.
TEST(CorralctlInspect, PsJsonWrittenInPiecesIsOneArray) {
  std::vector<pid_t> pids;
  struct Reap {
    std::vector<pid_t>& pids;
    ~Reap() {
      for (pid_t p : pids) {
        ::kill(p, SIGKILL);
        ::waitpid(p, nullptr, 0);
      }
    }
  } reap{pids};
  std::vector<std::string> arg0s;
  for (int i = 0; i < 4; ++i) {
    arg0s.push_back("corral-piece-" + std::to_string(i) + "-" + std::string(30000, static_cast<char>('a' + i)));
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::execl("/bin/sleep", arg0s.back().c_str(), "1000", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    pids.push_back(pid);
  }
  std::string list;
  for (std::size_t i = 0; i < pids.size(); ++i) {
    const pid_t pid = pids[i];
    const std::string& arg0 = arg0s[i];
    ASSERT_TRUE(corral::testing::eventually([&] {
      auto p = corral::proc::read_process(pid);
      return p && p->id.comm == "sleep" && !p->id.cmdline.empty() && p->id.cmdline[0] == arg0;
    }));
    list += (list.empty() ? "" : ",") + std::to_string(pid);
  }
  auto r = run({corralctl(), "ps", "--pid", list, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(r.out.size(), 65536u + 30000u);  // more than one piece
  json j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out.substr(0, 200);
  ASSERT_EQ(j.size(), pids.size());
  for (std::size_t i = 0; i < pids.size(); ++i) {
    EXPECT_EQ(j[i]["pid"], pids[i]);
    EXPECT_EQ(j[i]["command"], arg0s[i] + " 1000");
  }
}

TEST(CorralctlInspect, ShowJsonHasThreeSections) {
  Child c;
  ASSERT_TRUE(c.start({helper_path("proc_states"), "read"}));
  ASSERT_EQ(c.ready_line(), "ready");
  auto r = run({corralctl(), "show", std::to_string(c.pid()), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  ASSERT_TRUE(j["identification"].is_object());
  ASSERT_TRUE(j["processor"].is_object());
  ASSERT_TRUE(j["control"].is_object());
  EXPECT_EQ(j["identification"]["pid"], c.pid());
  EXPECT_EQ(j["identification"]["ppid"], ::getpid());
  EXPECT_TRUE(j["control"].contains("state"));
  EXPECT_TRUE(j["control"].contains("run_delay_ns"));

  auto human = run({corralctl(), "show", std::to_string(c.pid())});
  ASSERT_EQ(human.exit_code, 0);
  for (const char* section : {"Identification", "Processor state", "Control information"})
    EXPECT_NE(human.out.find(section), std::string::npos) << section;
}

TEST(CorralctlInspect, TreeJsonNestsChildren) {
  Child c;
  ASSERT_TRUE(c.start({helper_path("proc_states"), "read"}));
  ASSERT_EQ(c.ready_line(), "ready");
  wait_blocked(c.pid());
  auto r = run({corralctl(), "tree", std::to_string(::getpid()), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["pid"], ::getpid());
  ASSERT_TRUE(j["children"].is_array());
  bool found = false;
  for (const json& kid : j["children"])
    if (kid["pid"] == c.pid()) {
      found = true;
      EXPECT_TRUE(kid["children"].is_array());
      EXPECT_EQ(kid["state"], "Blocked");
    }
  EXPECT_TRUE(found) << r.out;

  auto all = run({corralctl(), "tree", "--json"});
  ASSERT_EQ(all.exit_code, 0);
  EXPECT_TRUE(json::parse(all.out).is_array());
}

TEST(CorralctlInspect, MissingPidFailsWithExitOne) {
  // A pid above pid_max cannot exist.
  for (const char* cmd : {"show", "tree"}) {
    auto r = run({corralctl(), cmd, "99999999"});
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_EQ(r.err, "corralctl: no process with pid 99999999\n") << cmd;
  }
  auto ps = run({corralctl(), "ps", "--pid", "99999999"});
  EXPECT_EQ(ps.exit_code, 1);
  EXPECT_EQ(ps.err, "corralctl: no process with pid 99999999\n");
}

TEST(CorralctlInspect, UsageErrorsExitTwo) {
  EXPECT_EQ(run({corralctl(), "ps", "--state", "Sleeping"}).exit_code, 2);
  EXPECT_EQ(run({corralctl(), "ps", "--sort", "bogus"}).exit_code, 2);
  EXPECT_EQ(run({corralctl(), "show"}).exit_code, 2);
}

}  // namespace
}  // namespace corral::ctl
