// SPDX-License-Identifier: Apache-2.0
#include "corral/launch/exit_status.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>

namespace corral::launch {
namespace {

// Wait statuses as the kernel encodes them: exit code in bits 8..15, the signal in
// bits 0..6, the core flag in bit 7.
constexpr int exited(int code) { return code << 8; }
constexpr int killed_status(int sig, bool core = false) { return sig | (core ? 0x80 : 0); }

TEST(ExitStatus, Decodes) {
  EXPECT_EQ(exit_info_from_wait_status(exited(3)), (ExitInfo{false, 3, false}));
  EXPECT_EQ(exit_info_from_wait_status(killed_status(SIGKILL)), (ExitInfo{true, SIGKILL, false}));
  EXPECT_EQ(exit_info_from_wait_status(killed_status(SIGSEGV, true)), (ExitInfo{true, SIGSEGV, true}));
}

TEST(ExitStatus, Describes) {
  EXPECT_EQ(to_string(exit_info_from_wait_status(exited(3))), "exited with code 3");
  EXPECT_EQ(to_string(exit_info_from_wait_status(exited(0))), "exited successfully");
  EXPECT_EQ(to_string(exit_info_from_wait_status(killed_status(SIGKILL))), "killed by SIGKILL");
  EXPECT_EQ(to_string(exit_info_from_wait_status(killed_status(SIGSEGV, true))), "killed by SIGSEGV (core dumped)");
  EXPECT_EQ(to_string(ExitInfo{true, 32, false}), "killed by signal 32");
}

TEST(ExitStatus, SuccessOnlyForCodeZero) {
  EXPECT_TRUE((ExitInfo{false, 0, false}).success());
  EXPECT_FALSE((ExitInfo{false, 1, false}).success());
  EXPECT_FALSE((ExitInfo{true, SIGTERM, false}).success());
}

TEST(ExitStatus, ClassifiesBySignal) {
  auto by = [](int sig) { return classify(ExitInfo{true, sig, false}); };
  EXPECT_EQ(classify(ExitInfo{false, 0, false}), TerminationReason::NormalCompletion);
  EXPECT_EQ(classify(ExitInfo{false, 2, false}), TerminationReason::NormalCompletion);
  EXPECT_EQ(by(SIGXCPU), TerminationReason::TimeLimitExceeded);
  EXPECT_EQ(by(SIGSEGV), TerminationReason::BoundsViolation);
  EXPECT_EQ(by(SIGBUS), TerminationReason::BoundsViolation);
  EXPECT_EQ(by(SIGFPE), TerminationReason::ArithmeticError);
  EXPECT_EQ(by(SIGILL), TerminationReason::InvalidInstruction);
  EXPECT_EQ(by(SIGSYS), TerminationReason::ProtectionError);
  EXPECT_EQ(by(SIGPIPE), TerminationReason::IoFailure);
  EXPECT_EQ(by(SIGXFSZ), TerminationReason::IoFailure);
  EXPECT_EQ(by(SIGKILL), TerminationReason::OtherSignal);  // a SIGKILL alone says nothing
  EXPECT_EQ(by(SIGTERM), TerminationReason::OtherSignal);
}

TEST(ExitStatus, ClassifiesByContext) {
  ExitInfo sigkill{true, SIGKILL, false};
  EXPECT_EQ(classify(sigkill, {.oom_killed = true}), TerminationReason::MemoryUnavailable);
  EXPECT_EQ(classify(sigkill, {.timed_out = true}), TerminationReason::TimeOverrun);
  EXPECT_EQ(classify(sigkill, {.operator_killed = true}), TerminationReason::OperatorIntervention);
  EXPECT_EQ(classify(sigkill, {.parent_requested = true}), TerminationReason::ParentRequest);
  EXPECT_EQ(classify(sigkill, {.parent_exited = true}), TerminationReason::ParentTermination);
  // The OOM flag only explains a SIGKILL; an exit after SIGTERM from the
  // supervisor is still the supervisor's request.
  EXPECT_EQ(classify(ExitInfo{true, SIGSEGV, true}, {.oom_killed = true}), TerminationReason::BoundsViolation);
  EXPECT_EQ(classify(ExitInfo{false, 0, false}, {.parent_requested = true}), TerminationReason::ParentRequest);
  EXPECT_EQ(classify(ExitInfo{false, 0, false}, {.parent_exited = true}), TerminationReason::NormalCompletion);
}

TEST(ExitStatus, ReasonNames) {
  EXPECT_EQ(to_string(TerminationReason::NormalCompletion), "normal completion");
  EXPECT_EQ(to_string(TerminationReason::TimeLimitExceeded), "time limit exceeded");
  EXPECT_EQ(to_string(TerminationReason::MemoryUnavailable), "memory unavailable");
  EXPECT_EQ(to_string(TerminationReason::OperatorIntervention), "operator or OS intervention");
  EXPECT_EQ(to_string(TerminationReason::ParentTermination), "parent termination");
}

}  // namespace
}  // namespace corral::launch
