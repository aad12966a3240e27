// SPDX-License-Identifier: Apache-2.0
// /proc/locks and fdinfo parsing on fixtures, and the lock conflict rules.
#include <gtest/gtest.h>

#include "corral/base/file_read.hpp"
#include "corral/waits/proc_locks.hpp"

using namespace corral;
using namespace corral::waits;

namespace {
std::string locks_fixture(const char* name) {
  auto text = read_file(std::string(CORRAL_FIXTURES_DIR) + "/waits/" + name);
  EXPECT_TRUE(text) << name;
  return text ? *text : std::string();
}
}  // namespace

TEST(ProcLocks, ParsesHoldersAndBlockedWaiters) {
  auto locks = parse_proc_locks(locks_fixture("proc_locks_sample.txt"));
  ASSERT_TRUE(locks) << locks.error().message;
  ASSERT_EQ(locks->size(), 9u);
  const auto& flock_holder = (*locks)[0];
  EXPECT_EQ(flock_holder.cls, LockClass::kFlock);
  EXPECT_FALSE(flock_holder.blocked);
  EXPECT_FALSE(flock_holder.write);
  EXPECT_EQ(flock_holder.pid, 10286);
  EXPECT_EQ(flock_holder.major, 0xfeu);
  EXPECT_EQ(flock_holder.minor, 0u);
  EXPECT_EQ(flock_holder.inode, 10953770u);
  EXPECT_EQ(flock_holder.end, UINT64_MAX);
  const auto& waiter = (*locks)[3];
  EXPECT_TRUE(waiter.blocked);
  EXPECT_EQ(waiter.id, 2);
  EXPECT_EQ(waiter.pid, 10336);
  EXPECT_EQ(waiter.start, 55u);
  EXPECT_EQ(waiter.end, 64u);
  EXPECT_TRUE((*locks)[4].blocked);  // nested waiter, indented
  EXPECT_EQ((*locks)[5].cls, LockClass::kOfd);
  EXPECT_EQ((*locks)[5].pid, -1);
  EXPECT_TRUE((*locks)[7].mandatory);
  EXPECT_EQ((*locks)[7].major, 8u);
  EXPECT_EQ((*locks)[7].minor, 0x1au);
  EXPECT_EQ((*locks)[8].cls, LockClass::kLease);
}

TEST(ProcLocks, BadLineNamesTheLineAndField) {
  auto locks = parse_proc_locks("1: POSIX ADVISORY WRITE 12 fe:00:1 0 EOF\n2: POSIX ADVISORY WRITE x fe:00:1 0 EOF\n");
  ASSERT_FALSE(locks);
  EXPECT_NE(locks.error().message.find("line 2"), std::string::npos) << locks.error().message;
  EXPECT_NE(locks.error().message.find("pid"), std::string::npos);
  EXPECT_FALSE(parse_lock_line("1: POSIX ADVISORY WRITE 12 fe00 0 EOF"));
  EXPECT_FALSE(parse_lock_line("1: POSIX ADVISORY WRITE 12 fe:00:1 0"));
}

TEST(ProcLocks, FdinfoLockLines) {
  auto locks = parse_fdinfo_locks(locks_fixture("fdinfo_ofd.txt"));
  ASSERT_EQ(locks.size(), 2u);
  EXPECT_EQ(locks[0].cls, LockClass::kOfd);
  EXPECT_EQ(locks[0].end, 9u);
  EXPECT_EQ(locks[1].pid, 10286);
}

TEST(ProcLocks, ConflictRules) {
  auto l = [](const char* text) { return *parse_lock_line(text); };
  auto w0_9 = l("1: POSIX ADVISORY WRITE 1 08:01:5 0 9");
  auto w10_19 = l("2: POSIX ADVISORY WRITE 2 08:01:5 10 19");
  auto w5_14 = l("3: OFDLCK ADVISORY WRITE -1 08:01:5 5 14");
  auto r0_eof = l("4: POSIX ADVISORY READ 3 08:01:5 0 EOF");
  auto r2 = l("5: POSIX ADVISORY READ 4 08:01:5 0 EOF");
  auto other_file = l("6: POSIX ADVISORY WRITE 5 08:01:6 0 EOF");
  auto fl = l("7: FLOCK ADVISORY WRITE 6 08:01:5 0 EOF");
  auto fl_read = l("8: FLOCK ADVISORY READ 7 08:01:5 0 EOF");
  EXPECT_FALSE(locks_conflict(w0_9, w10_19));   // non-overlapping ranges
  EXPECT_TRUE(locks_conflict(w0_9, w5_14));     // POSIX and OFD see each other
  EXPECT_TRUE(locks_conflict(w10_19, w5_14));
  EXPECT_TRUE(locks_conflict(r0_eof, w10_19));  // read against write
  EXPECT_FALSE(locks_conflict(r0_eof, r2));     // shared read locks
  EXPECT_FALSE(locks_conflict(w0_9, other_file));
  EXPECT_FALSE(locks_conflict(fl, w0_9));       // flock never conflicts with fcntl locks
  EXPECT_TRUE(locks_conflict(fl, fl_read));
}
