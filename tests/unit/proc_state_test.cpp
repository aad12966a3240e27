// SPDX-License-Identifier: Apache-2.0
// The seven-state mapping (state_map.hpp) and the ProcState names.
#include <gtest/gtest.h>

#include "corral/pcb/proc_state.hpp"
#include "corral/proc/state_map.hpp"

namespace corral::proc {
namespace {

StateInputs letter(char k) {
  StateInputs in;
  in.kernel_state = k;
  return in;
}

TEST(ProcStateNames, RoundTrip) {
  for (ProcState s : {ProcState::New, ProcState::Ready, ProcState::Running, ProcState::Blocked,
                      ProcState::ReadySuspend, ProcState::BlockedSuspend, ProcState::Exit}) {
    auto back = parse_proc_state(to_string(s));
    ASSERT_TRUE(back) << to_string(s);
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(to_string(ProcState::BlockedSuspend), "Blocked/Suspend");
  EXPECT_EQ(parse_proc_state("ready/suspend"), ProcState::ReadySuspend);
  EXPECT_FALSE(parse_proc_state("Sleeping"));
  EXPECT_TRUE(is_suspended(ProcState::ReadySuspend));
  EXPECT_FALSE(is_suspended(ProcState::Blocked));
}

TEST(DeriveState, SleepsAreBlocked) {
  for (char k : {'S', 'D', 'I', 'P'}) EXPECT_EQ(derive_state(letter(k)).state, ProcState::Blocked) << k;
}

TEST(DeriveState, ZombieIsExit) {
  EXPECT_EQ(derive_state(letter('Z')).state, ProcState::Exit);
  EXPECT_EQ(derive_state(letter('X')).state, ProcState::Exit);
}

TEST(DeriveState, StoppedDependsOnSyscall) {
  StateInputs in = letter('T');
  in.syscall_nr = 230;  // stopped while in clock_nanosleep
  EXPECT_EQ(derive_state(in).state, ProcState::BlockedSuspend);
  in.syscall_nr = -1;  // stopped in user space
  EXPECT_EQ(derive_state(in).state, ProcState::ReadySuspend);
  in = letter('t');
  EXPECT_EQ(derive_state(in).state, ProcState::ReadySuspend);  // unknown syscall
}

TEST(DeriveState, FrozenCgroupIsSuspendEvenThoughKernelSaysD) {
  StateInputs in = letter('D');
  in.frozen = true;
  in.syscall_nr = 230;
  EXPECT_EQ(derive_state(in).state, ProcState::BlockedSuspend);
  in.syscall_nr = -1;
  in.wchan = "__refrigerator";
  EXPECT_EQ(derive_state(in).state, ProcState::ReadySuspend);
  // Without the syscall file: frozen in place while sleeping vs in the freezer's wait.
  in.syscall_nr.reset();
  EXPECT_EQ(derive_state(in).state, ProcState::ReadySuspend);
  in.wchan = "hrtimer_nanosleep";
  EXPECT_EQ(derive_state(in).state, ProcState::BlockedSuspend);
  in.kernel_state = 'S';
  in.wchan = "get_signal";  // the v2 freezer's trap
  EXPECT_EQ(derive_state(in).state, ProcState::ReadySuspend);
}

TEST(DeriveState, RunnableNeedsASample) {
  StateVerdict unsampled = derive_state(letter('R'));
  EXPECT_EQ(unsampled.state, ProcState::Running);
  EXPECT_FALSE(unsampled.sampled);

  StateInputs self = letter('R');
  self.is_self = true;
  EXPECT_EQ(derive_state(self).state, ProcState::Running);
  EXPECT_TRUE(derive_state(self).sampled);

  StateInputs ran = letter('R');
  ran.sample = RunSample{8'000'000, 1'000'000};
  EXPECT_EQ(derive_state(ran).state, ProcState::Running);
  EXPECT_TRUE(derive_state(ran).sampled);

  StateInputs waited = letter('R');
  waited.sample = RunSample{1'000'000, 9'000'000};
  EXPECT_EQ(derive_state(waited).state, ProcState::Ready);

  StateInputs never = letter('R');
  never.sample = RunSample{0, 0};  // did not get a CPU during the whole sample
  EXPECT_EQ(derive_state(never).state, ProcState::Ready);
}

}  // namespace
}  // namespace corral::proc
