// SPDX-License-Identifier: Apache-2.0
// The job queue's requests on the wire: names, the args object, and who may send them.
#include <gtest/gtest.h>

#include "corral/protocol/protocol.hpp"

namespace corral::protocol {
namespace {

TEST(ProtocolJobs, SubmitCarriesArgvNameAndArgs) {
  Request r;
  r.command = Command::Submit;
  r.argv = {"make", "-j2"};
  r.name = "build";
  r.args = nlohmann::json{{"queue", "batch"}, {"label", "make"}, {"estimate", "30s"}, {"env", {{"K", "V"}}}};
  std::string line = encode(r);
  line.pop_back();
  auto back = decode_request(line);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->command, Command::Submit);
  EXPECT_EQ(back->argv, r.argv);
  EXPECT_EQ(back->name, "build");
  EXPECT_EQ(back->args, r.args);
}

TEST(ProtocolJobs, ArgsMustBeAnObject) {
  auto bad = decode_request(R"({"v":1,"cmd":"submit","argv":["true"],"args":[1]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("field args"), std::string::npos);
  auto none = decode_request(R"({"v":1,"cmd":"jobs"})");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->args.is_null());
}

TEST(ProtocolJobs, JobLogsCarriesLinesAndFollow) {
  Request r;
  r.command = Command::JobLogs;
  r.names = {"12"};
  r.lines = 3;
  r.follow = true;
  std::string line = encode(r);
  line.pop_back();
  auto back = decode_request(line);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->lines, 3);
  EXPECT_TRUE(back->follow);
}

TEST(ProtocolJobs, NamesRoundTripAndOnlyPauseResumeNeedPrivilege) {
  for (auto c : {Command::Submit, Command::Jobs, Command::JobShow, Command::JobWait, Command::JobCancel,
                 Command::JobLogs, Command::QueueList, Command::QueuePause, Command::QueueResume})
    EXPECT_EQ(parse_command(command_name(c)), c) << command_name(c);
  // Any user may queue work and handle their own jobs (the queue runner checks ownership).
  for (auto c : {Command::Submit, Command::Jobs, Command::JobShow, Command::JobWait, Command::JobCancel,
                 Command::JobLogs, Command::QueueList})
    EXPECT_FALSE(changes_state(c)) << command_name(c);
  EXPECT_TRUE(changes_state(Command::QueuePause));
  EXPECT_TRUE(changes_state(Command::QueueResume));
}

}  // namespace
}  // namespace corral::protocol
