// SPDX-License-Identifier: Apache-2.0
// processes_of over real processes: a group leader, a child in its group, a grandchild
// that moved to a group of its own, and an unrelated process.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "corral/waits/process_owner.hpp"

namespace corral::waits {
namespace {

TEST(WaitsProcessOwner, GroupMembersAndDescendantsBelongToTheirRoot) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t leader = ::fork();
  ASSERT_GE(leader, 0);
  if (leader == 0) {
    ::setpgid(0, 0);
    pid_t child = ::fork();
    if (child == 0) {
      pid_t grandkid = ::fork();
      if (grandkid == 0) {
        ::setpgid(0, 0);  // its own group: found through the ancestry
        for (;;) ::pause();
      }
      pid_t both[2] = {::getpid(), grandkid};  // one write: no interleaving
      (void)::write(ready[1], both, sizeof both);
      for (;;) ::pause();
    }
    for (;;) ::pause();
  }
  ::close(ready[1]);
  pid_t both[2] = {0, 0};
  ASSERT_EQ(::read(ready[0], both, sizeof both), static_cast<ssize_t>(sizeof both));
  pid_t kid = both[0], grandkid = both[1];
  ::close(ready[0]);
  // The grandchild's setpgid may not have happened yet: wait for it (deadline 10 s).
  for (int i = 0; i < 2000 && ::getpgid(grandkid) != grandkid; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));

  auto owners = processes_of({leader, 999999999});
  ::kill(grandkid, SIGKILL);
  ::kill(-leader, SIGKILL);
  int st;
  ::waitpid(leader, &st, 0);
  ASSERT_TRUE(owners.ok()) << owners.error().message;
  EXPECT_EQ(owners->count(leader), 1u);
  EXPECT_EQ(owners->at(leader), leader);
  ASSERT_EQ(owners->count(kid), 1u);
  EXPECT_EQ(owners->at(kid), leader);
  ASSERT_EQ(owners->count(grandkid), 1u);
  EXPECT_EQ(owners->at(grandkid), leader);
  EXPECT_EQ(owners->count(::getpid()), 0u);  // the test itself is no member
  EXPECT_EQ(owners->size(), 3u);
}

TEST(WaitsProcessOwner, NoRootsNoProcesses) {
  auto owners = processes_of({});
  ASSERT_TRUE(owners.ok());
  EXPECT_TRUE(owners->empty());
}

}  // namespace
}  // namespace corral::waits
