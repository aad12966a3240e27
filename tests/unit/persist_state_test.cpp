// SPDX-License-Identifier: Apache-2.0
// lib/persist: the state file's encode/decode on saved fixtures of each format
// version, torn and corrupt input, the config fingerprint, and the file write.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "corral/base/file_read.hpp"
#include "corral/persist/fingerprint.hpp"
#include "corral/persist/state.hpp"
#include "corral/persist/state_file.hpp"
#include "persist_fixtures.hpp"

namespace {

using namespace corral::persist;

TEST(PersistState, DecodesTheFormat1Fixture) {
  auto st = decode(persist_fixture("state-v1.json"));
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->format, 1);
  EXPECT_EQ(st->daemon_pid, 4242);
  EXPECT_EQ(st->boot_id_hash, 1234567890123ULL);
  ASSERT_EQ(st->services.size(), 3u);
  const auto& web = st->services[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.intent, Intent::Started);
  EXPECT_EQ(web.pid, 1001);
  EXPECT_EQ(web.start_time, 987654u);
  EXPECT_EQ(web.cgroup, "default/web");
  EXPECT_EQ(web.restarts, 3);
  ASSERT_EQ(web.history.size(), 1u);
  EXPECT_EQ(web.history[0].signal, 9);
  EXPECT_EQ(web.history[0].description, "killed by SIGKILL");
  EXPECT_EQ(web.recent_starts_ms, std::vector<std::int64_t>{1795999995000});
  EXPECT_EQ(st->services[1].intent, Intent::StoppedByHand);
  EXPECT_EQ(st->services[1].failures, 2);
  EXPECT_EQ(st->services[2].intent, Intent::Suspended);
  EXPECT_TRUE(st->services[2].transient);
}

TEST(PersistState, EncodeDecodeRoundTrip) {
  auto st = decode(persist_fixture("state-v1.json"));
  ASSERT_TRUE(st.ok());
  std::string text = encode(*st);
  auto again = decode(text);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, *st);
  EXPECT_EQ(encode(*again), text);  // stable: the same state gives the same bytes
}

TEST(PersistState, EveryTornPrefixIsAnErrorNeverHalfAState) {
  std::string text = encode(*decode(persist_fixture("state-v1.json")));
  // Strip the trailing newline: the document ends with its closing brace.
  std::size_t end = text.rfind('}');
  for (std::size_t n = 0; n < end; n += 7) {
    auto st = decode(std::string_view(text).substr(0, n));
    EXPECT_FALSE(st.ok()) << "a prefix of " << n << " bytes decoded";
  }
}

TEST(PersistState, CorruptInputNamesTheField) {
  auto bad = decode(R"({"format":1,"written_ms":0,"daemon_pid":1,"boot_id_hash":0,"services":[{"name":"a"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("services[0].intent: missing"), std::string::npos) << bad.error().message;

  std::string t = persist_fixture("state-v1.json");
  t.replace(t.find("\"pid\":1001"), 10, "\"pid\":\"x\"");
  auto wrong = decode(t);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("services[0].pid: expected an integer"), std::string::npos)
      << wrong.error().message;

  auto future = decode(R"({"format":99})");
  ASSERT_FALSE(future.ok());
  EXPECT_NE(future.error().message.find("format 99"), std::string::npos);

  EXPECT_FALSE(decode("").ok());
  EXPECT_FALSE(decode("\x01\x02garbage").ok());
  EXPECT_FALSE(decode("[]").ok());
}

TEST(PersistFingerprint, ChangesWithEveryRelevantField) {
  corral::config::ServiceConfig a;
  a.name = "web";
  a.template_name = "web";
  a.argv = {"sleep", "100"};
  std::string base = config_fingerprint(a);
  EXPECT_EQ(base.size(), 16u);
  EXPECT_EQ(config_fingerprint(a), base);
  auto b = a;
  b.argv = {"sleep", "1000"};
  EXPECT_NE(config_fingerprint(b), base);
  b = a;
  b.argv = {"sleep 100"};  // the same characters, split differently
  EXPECT_NE(config_fingerprint(b), base);
  b = a;
  b.env["X"] = "1";
  EXPECT_NE(config_fingerprint(b), base);
  b = a;
  b.stop_timeout = std::chrono::seconds(3);
  EXPECT_NE(config_fingerprint(b), base);
  b = a;
  b.parent_death_signal = 15;
  EXPECT_NE(config_fingerprint(b), base);
  b = a;
  b.name = "web@1";  // the record's key, not part of the config
  EXPECT_EQ(config_fingerprint(b), base);
}

class PersistFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/corral-persist-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    ::unlink(state_file_path(dir_).c_str());
    ::unlink((state_file_path(dir_) + ".tmp").c_str());
    ::rmdir(dir_.c_str());
  }
  std::string dir_;
};

TEST_F(PersistFile, WriteThenReadBack) {
  auto st = decode(persist_fixture("state-v1.json"));
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(write_state_file(dir_, *st).ok());
  auto back = read_state_file(dir_);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, *st);
  EXPECT_NE(::access((state_file_path(dir_) + ".tmp").c_str(), F_OK), 0);  // renamed away
  struct stat sb{};
  ASSERT_EQ(::stat(state_file_path(dir_).c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  ASSERT_TRUE(remove_state_file(dir_).ok());
  auto none = read_state_file(dir_);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ENOENT);
}

TEST_F(PersistFile, ACorruptFileIsAnErrorNamingTheFile) {
  std::ofstream(state_file_path(dir_)) << "{\"format\":1,\"services\":[{\"na";
  auto st = read_state_file(dir_);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find(state_file_path(dir_)), std::string::npos) << st.error().message;
}

TEST(PersistIdentity, ReadsThisProcess) {
  auto me = read_identity(::getpid());
  ASSERT_TRUE(me.has_value());
  EXPECT_GT(me->start_time, 0u);
  EXPECT_EQ(me->pgid, ::getpgrp());
  EXPECT_FALSE(read_identity(0).has_value());
  EXPECT_NE(current_boot_id_hash(), 0u);
}

}  // namespace
