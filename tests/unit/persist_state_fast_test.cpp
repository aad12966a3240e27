// SPDX-License-Identifier: Apache-2.0
// The state file's fast reader (lib/src/persist/state_fast_decode.hpp) gives
// exactly what the full reader gives on every file it accepts, and hands
// anything unusual to the full reader (whose errors then say what is wrong).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../../lib/src/persist/state_fast_decode.hpp"
#include "corral/persist/state.hpp"
#include "persist_fixtures.hpp"

namespace {

using namespace corral::persist;
using detail::decode_fast;
using detail::decode_tree;

DaemonState many_services(int n) {
  DaemonState st;
  st.written_ms = 1795999999123;
  st.daemon_pid = 77;
  st.boot_id_hash = 18000000000000000000ULL;  // above INT64_MAX: an unsigned in JSON
  for (int i = 0; i < n; ++i) {
    ServiceRecord r;
    r.name = "s" + std::to_string(i);
    r.intent = static_cast<Intent>(i % 3);
    r.state = i % 2 ? "running" : "backoff";
    r.pid = i % 5 ? 1000 + i : 0;
    r.start_time = 123456789012ULL + static_cast<std::uint64_t>(i);
    r.pgid = r.pid;
    r.cgroup = i % 4 ? "default/" + r.name : "";
    r.restarts = i;
    r.failures = i % 7;
    for (int k = 0; k < i % 3; ++k) r.recent_starts_ms.push_back(1795999990000 + k);
    for (int k = 0; k < i % 3; ++k) {
      ExitEntry e;
      e.wall_time_ms = 1795999991000 + k;
      e.code = k ? -1 : 3;
      e.signal = k ? 9 : 0;
      e.core_dumped = k == 1;
      e.launch_failed = k == 2;
      e.description = k ? "killed by SIGKILL" : "exited with status 3";
      e.run_time_ms = 1500 * k;
      r.history.push_back(e);
    }
    r.config_hash = "00112233445566" + std::to_string(10 + i % 90);
    r.transient = i % 11 == 0;
    st.services.push_back(r);
  }
  return st;
}

TEST(PersistStateFast, AgreesWithTheFullReaderOnTheFixture) {
  const std::string text = persist_fixture("state-v1.json");
  auto fast = decode_fast(text);
  auto tree = decode_tree(text);
  ASSERT_TRUE(tree.ok()) << tree.error().message;
  ASSERT_TRUE(fast.has_value());
  EXPECT_EQ(*fast, *tree);
}

TEST(PersistStateFast, AgreesWithTheFullReaderOnWhatCorraldWrites) {
  for (int n : {0, 1, 50, 1000}) {
    const std::string text = encode(many_services(n));
    auto fast = decode_fast(text);
    auto tree = decode_tree(text);
    ASSERT_TRUE(tree.ok()) << tree.error().message;
    ASSERT_TRUE(fast.has_value()) << n << " services";
    EXPECT_EQ(*fast, *tree);
    EXPECT_EQ(*fast, many_services(n));
  }
}

TEST(PersistStateFast, WhatItDoesNotTakeTheFullReaderStillReads) {
  DaemonState st = many_services(3);
  st.services[1].history.push_back(ExitEntry{1, 2, 0, false, false, "said \"bye\"\n\tand left: caf\xc3\xa9", 3});
  const std::string text = encode(st);
  EXPECT_FALSE(decode_fast(text).has_value());  // an escape and a non-ASCII byte
  auto full = decode(text);
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_EQ(*full, st);
}

TEST(PersistStateFast, GivesUpOnAnythingUnusual) {
  const std::string good = encode(many_services(2));
  ASSERT_TRUE(decode_fast(good).has_value());
  auto edited = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return t.replace(at, from.size(), to);
  };
  for (const std::string& bad : {
           good.substr(0, good.size() / 2),                       // torn
           edited("\"format\":1", "\"format\":2"),                 // another version
           edited("\"format\":1", "\"format\":1.0"),               // a float
           edited("\"pid\":1001", "\"pid\":-3"),                   // out of range
           edited("\"pid\":1001", "\"pid\":01001"),                // not JSON
           edited("\"restarts\":1", "\"restarts\":\"1\""),         // a string for an integer
           edited("\"transient\":false", "\"transient\":0"),       // an integer for a boolean
           edited("\"intent\":\"stopped\"", "\"intent\":\"gone\""),  // unknown intent
           edited("\"name\":\"s1\"", "\"name\":\"\""),             // empty name
           edited("\"cgroup\"", "\"kgroup\""),                     // an unknown key (and one missing)
           edited("\"daemon_pid\":77", "\"daemon_pid\":77,\"daemon_pid\":78"),  // a repeated key
           good + "x",                                             // trailing garbage
       }) {
    EXPECT_FALSE(decode_fast(bad).has_value()) << bad.substr(0, 200);
    // And decode() says what the full reader says.
    auto full = decode(bad), tree = decode_tree(bad);
    EXPECT_EQ(full.ok(), tree.ok());
    if (!full.ok()) {
      EXPECT_EQ(full.error().message, tree.error().message);
    }
  }
}

}  // namespace
