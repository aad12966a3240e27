// SPDX-License-Identifier: Apache-2.0
#include "corral/protocol/protocol.hpp"

#include <gtest/gtest.h>

namespace corral::protocol {
namespace {

std::string strip(std::string s) {
  EXPECT_EQ(s.back(), '\n');
  s.pop_back();
  return s;
}

TEST(Protocol, RequestRoundTrip) {
  Request r;
  r.command = Command::Logs;
  r.names = {"web@1"};
  r.lines = 25;
  r.follow = true;
  std::string line = strip(encode(r));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = decode_request(line);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->command, Command::Logs);
  EXPECT_EQ(back->names, r.names);
  EXPECT_EQ(back->lines, 25);
  EXPECT_TRUE(back->follow);
  EXPECT_EQ(back->version, kVersion);
}

TEST(Protocol, RunCarriesArgvAndName) {
  Request r;
  r.command = Command::Run;
  r.argv = {"sleep", "100"};
  r.name = "nap";
  auto back = decode_request(strip(encode(r)));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->argv, r.argv);
  EXPECT_EQ(back->name, "nap");
}

TEST(Protocol, EveryCommandNameRoundTrips) {
  for (auto c : {Command::Status, Command::Show, Command::Start, Command::Stop, Command::Restart, Command::Signal,
                 Command::Reload, Command::Logs, Command::Run, Command::Shutdown, Command::Version}) {
    EXPECT_EQ(parse_command(command_name(c)), c);
  }
  EXPECT_FALSE(parse_command("explode"));
  EXPECT_TRUE(changes_state(Command::Stop));
  EXPECT_FALSE(changes_state(Command::Status));
  EXPECT_FALSE(changes_state(Command::Logs));
}

TEST(Protocol, RejectsMalformedInput) {
  EXPECT_FALSE(decode_request("{not json").ok());
  EXPECT_FALSE(decode_request("[1,2]").ok());
  EXPECT_FALSE(decode_request(R"({"v":1})").ok());
  EXPECT_FALSE(decode_request(R"({"v":1,"cmd":"explode"})").ok());
  EXPECT_FALSE(decode_request(R"({"v":1,"cmd":"stop","names":"web"})").ok());
  EXPECT_FALSE(decode_request(R"({"v":1,"cmd":"stop","names":[1]})").ok());
  EXPECT_FALSE(decode_request(R"({"v":1,"cmd":"logs","lines":1e30})").ok());
  EXPECT_FALSE(decode_request(R"({"v":1,"cmd":"logs","lines":-3})").ok());
  auto bad_version = decode_request(R"({"v":99,"cmd":"status"})");
  ASSERT_FALSE(bad_version.ok());
  EXPECT_NE(bad_version.error().message.find("version 99"), std::string::npos);
}

TEST(Protocol, RejectsOversizedLine) {
  std::string big = R"({"v":1,"cmd":"status","names":[")" + std::string(kMaxLine, 'x') + R"("]})";
  auto r = decode_request(big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, E2BIG);
}

TEST(Protocol, ResponseRoundTrip) {
  ServiceStatus s;
  s.name = "web";
  s.state = "running";
  s.pid = 42;
  s.restarts = 3;
  s.uptime_s = 1.5;
  s.last_exit = "killed by SIGKILL";
  auto line = strip(encode(Response::success(nlohmann::json::array({to_json(s)}))));
  auto back = decode_response(line);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->ok);
  ASSERT_TRUE(back->data.is_array());
  auto st = status_from_json(back->data[0]);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->name, "web");
  EXPECT_EQ(st->pid, 42);
  EXPECT_EQ(st->restarts, 3);
  EXPECT_DOUBLE_EQ(st->uptime_s, 1.5);
  EXPECT_EQ(st->last_exit, "killed by SIGKILL");
  for (const char* key : {"name", "state", "pid", "restarts", "uptime_s", "last_exit", "error"})
    EXPECT_TRUE(back->data[0].contains(key)) << key;

  auto err = decode_response(strip(encode(Response::failure("no such service: x"))));
  ASSERT_TRUE(err.ok());
  EXPECT_FALSE(err->ok);
  EXPECT_EQ(err->error, "no such service: x");
}

TEST(Protocol, StatusDeadlockFieldIsOptional) {
  ServiceStatus s;
  s.name = "db";
  s.state = "running";
  s.deadlock = true;
  nlohmann::json j = to_json(s);
  ASSERT_TRUE(j.contains("deadlock"));
  auto back = status_from_json(j);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->deadlock);
  j.erase("deadlock");  // as an older corrald sends it
  back = status_from_json(j);
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->deadlock);
  j["deadlock"] = "yes";
  EXPECT_FALSE(status_from_json(j).ok());
}

TEST(Protocol, LogChunksSurviveInvalidUtf8) {
  std::string text = "line one\n\xff\xfe binary\n";
  auto line = strip(encode_log_chunk(text));
  auto back = decode_log_chunk(line);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->substr(0, 9), "line one\n");
  auto end = decode_log_chunk(strip(encode(Response::failure("service removed"))));
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().message, "service removed");
}

}  // namespace
}  // namespace corral::protocol
