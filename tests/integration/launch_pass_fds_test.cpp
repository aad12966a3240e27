// SPDX-License-Identifier: Apache-2.0
// LaunchSpec::pass_fds: a descriptor of the launcher becomes fd N in the child
// (the s6-style readiness pipe), survives exec, and nothing else leaks.
#include <gtest/gtest.h>

#include "corral/launch/launch.hpp"
#include "launch_test_util.hpp"

namespace corral::launch {
namespace {

using testing::ChildGuard;
using testing::make_pipe;
using testing::read_to_eof;

TEST(LaunchPassFds, PipeBecomesFdNInTheChild) {
  auto pipe = make_pipe();
  LaunchSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo ready >&7"};
  spec.stdout_target = StdioTarget::null();
  spec.stderr_target = StdioTarget::null();
  spec.pass_fds.emplace_back(pipe.write.get(), 7);
  auto launched = launch(spec);
  ASSERT_TRUE(launched.ok()) << launched.error().message;
  pipe.write.reset();
  ChildGuard child(std::move(*launched));
  auto out = read_to_eof(pipe.read.get());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, "ready\n");
  EXPECT_EQ(child.wait_exit(), 0);
}

TEST(LaunchPassFds, StdioTargetsAreRefused) {
  auto pipe = make_pipe();
  LaunchSpec spec;
  spec.argv = {"/bin/true"};
  spec.pass_fds.emplace_back(pipe.write.get(), 1);
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("pass_fds: fd 1 is stdio"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace corral::launch
