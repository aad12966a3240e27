// SPDX-License-Identifier: Apache-2.0
// The launcher's error-pipe protocol, over a real pipe.
#include "corral/launch/child_failure.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "corral/base/unique_fd.hpp"

namespace corral::launch {
namespace {

struct Pipe {
  UniqueFd read, write;
};
Pipe make_pipe() {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

TEST(ChildFailure, EofMeansExecSucceeded) {
  auto p = make_pipe();
  p.write.reset();
  auto r = receive_child_failure(p.read.get());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST(ChildFailure, RecordRoundTrips) {
  auto p = make_pipe();
  ASSERT_TRUE(send_child_failure(p.write.get(), ChildFailure{Step::Rlimit, EPERM, 2}));
  p.write.reset();
  auto r = receive_child_failure(p.read.get());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->step, Step::Rlimit);
  EXPECT_EQ((*r)->error, EPERM);
  EXPECT_EQ((*r)->detail, 2);
}

TEST(ChildFailure, TornRecordIsAnError) {
  auto p = make_pipe();
  ASSERT_EQ(::write(p.write.get(), "abcde", 5), 5);
  p.write.reset();
  auto r = receive_child_failure(p.read.get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, EPROTO);
  EXPECT_EQ(r.error().message, "read launch error pipe: torn record of 5 bytes");
}

TEST(ChildFailure, UnknownStepIsAnError) {
  auto p = make_pipe();
  std::int32_t record[3] = {999, ENOENT, 0};
  ASSERT_EQ(::write(p.write.get(), record, sizeof(record)), static_cast<ssize_t>(sizeof(record)));
  p.write.reset();
  auto r = receive_child_failure(p.read.get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "read launch error pipe: unknown step 999");
}

TEST(ChildFailure, EveryStepHasItsOwnName) {
  std::set<std::string_view> names;
  for (int s = static_cast<int>(Step::NewSession); s <= static_cast<int>(Step::Exec); ++s) {
    auto name = step_name(static_cast<Step>(s));
    EXPECT_NE(name, "unknown step");
    EXPECT_TRUE(names.insert(name).second) << "duplicate step name " << name;
  }
  EXPECT_EQ(step_name(Step::Exec), "exec");
  EXPECT_EQ(step_name(Step::Chdir), "chdir");
  EXPECT_EQ(step_name(Step::SchedPolicy), "sched_setattr");
  EXPECT_EQ(step_name(Step::SetUid), "setuid");
}

}  // namespace
}  // namespace corral::launch
