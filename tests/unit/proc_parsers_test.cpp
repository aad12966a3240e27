// SPDX-License-Identifier: Apache-2.0
// The pure /proc parsers on fixture copies of real files, tricky ones included.
#include <gtest/gtest.h>

#include "corral/proc/parsers.hpp"
#include "proc_fixture.hpp"

namespace corral::proc {
namespace {
using testing::proc_fixture;

TEST(ParseStat, CommWithSpacesAndParens) {
  std::string text = proc_fixture("comm_parens/stat");
  auto s = parse_stat(text);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->pid, 5884);
  EXPECT_EQ(s->comm, "a) (b");
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->ppid, 5881);
  EXPECT_EQ(s->pgrp, 5881);
  EXPECT_EQ(s->session, 2710);
  EXPECT_EQ(s->priority, 20);
  EXPECT_EQ(s->nice, 0);
  EXPECT_EQ(s->num_threads, 1);
  EXPECT_EQ(s->starttime, 28485u);
  EXPECT_EQ(s->vsize_bytes, 4464640u);
  EXPECT_EQ(s->rss_pages, 811u);
  EXPECT_EQ(s->processor, 1);
  EXPECT_EQ(s->policy, 0u);
  EXPECT_EQ(s->flags & kPfKthread, 0u);
}

TEST(ParseStat, KernelThread) {
  std::string text = proc_fixture("kthread/stat");
  auto s = parse_stat(text);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->pid, 2);
  EXPECT_EQ(s->comm, "kthreadd");
  EXPECT_EQ(s->ppid, 0);
  EXPECT_NE(s->flags & kPfKthread, 0u);
  EXPECT_EQ(s->vsize_bytes, 0u);
  EXPECT_EQ(s->stime, 1u);
}

TEST(ParseStat, IdleKworkerWithNegativeNice) {
  std::string text = proc_fixture("kworker_idle/stat");
  auto s = parse_stat(text);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->comm, "kworker/0:0H-events_highpri");
  EXPECT_EQ(s->state, 'I');
  EXPECT_EQ(s->nice, -20);
  EXPECT_EQ(s->priority, 0);
}

TEST(ParseStat, ZombieAndBusyAndMultithread) {
  std::string z = proc_fixture("zombie/stat");
  auto zs = parse_stat(z);
  ASSERT_TRUE(zs.ok());
  EXPECT_EQ(zs->state, 'Z');
  EXPECT_EQ(zs->rss_pages, 0u);

  std::string b = proc_fixture("busy/stat");
  auto bs = parse_stat(b);
  ASSERT_TRUE(bs.ok());
  EXPECT_EQ(bs->state, 'R');
  EXPECT_EQ(bs->utime, 30u);

  std::string m = proc_fixture("multithread/stat");
  auto ms = parse_stat(m);
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(ms->comm, "python3");
  EXPECT_EQ(ms->num_threads, 4);
}

TEST(ParseStat, RealTimePolicy) {
  // Field 40 rt_priority 50, field 41 policy 1 (SCHED_FIFO), comm "x y".
  std::string text = "77 (x y) S 1 77 77 0 -1 4194304 0 0 0 0 5 6 0 0 -51 0 1 0 100 1000 10 "
                     "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 50 1 0 0 0";
  auto s = parse_stat(text);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->comm, "x y");
  EXPECT_EQ(s->priority, -51);
  EXPECT_EQ(s->rt_priority, 50u);
  EXPECT_EQ(s->policy, 1u);
  EXPECT_EQ(s->processor, 1);
}

TEST(ParseStat, CommThatLooksLikeFields) {
  // A comm may itself contain ") S 1 2 3": only the last ')' ends it.
  std::string text = "9 () S 1 2 3) R 4 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0";
  auto s = parse_stat(text);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->comm, ") S 1 2 3");
  EXPECT_EQ(s->state, 'R');
  EXPECT_EQ(s->ppid, 4);
}

TEST(ParseStat, BadInputNamesTheField) {
  auto no_paren = parse_stat("12 sleep S 1");
  ASSERT_FALSE(no_paren.ok());
  EXPECT_NE(no_paren.error().message.find("(comm)"), std::string::npos);

  auto bad_ppid = parse_stat("12 (sleep) S x 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0");
  ASSERT_FALSE(bad_ppid.ok());
  EXPECT_EQ(bad_ppid.error().message, "stat: field 4 (ppid): not a number");

  auto short_line = parse_stat("12 (sleep) S 1 1 1");
  ASSERT_FALSE(short_line.ok());
  EXPECT_NE(short_line.error().message.find("expected at least 24"), std::string::npos);

  EXPECT_FALSE(parse_stat("").ok());
  EXPECT_FALSE(parse_stat("12 (sleep) SS 1").ok());
}

TEST(ParseStatus, SleepingProcess) {
  std::string text = proc_fixture("sleeping/status");
  auto s = parse_status(text);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->uid[0], 0u);
  EXPECT_EQ(s->threads, 1);
  EXPECT_EQ(s->vm_rss_kib, 1804u);
  EXPECT_EQ(s->vm_size_kib, 2920u);
  EXPECT_EQ(s->voluntary_ctxt, 1u);
  EXPECT_EQ(s->involuntary_ctxt, 0u);
  EXPECT_EQ(s->cpus_allowed_list, "0-1");
  EXPECT_FALSE(s->kthread);
}

TEST(ParseStatus, KernelThreadAndMultithread) {
  std::string k = proc_fixture("kworker_idle/status");
  auto ks = parse_status(k);
  ASSERT_TRUE(ks.ok());
  EXPECT_TRUE(ks->kthread);
  EXPECT_EQ(ks->vm_rss_kib, 0u);  // no VmRSS line at all
  EXPECT_EQ(ks->cpus_allowed_list, "0");

  std::string m = proc_fixture("multithread/status");
  auto ms = parse_status(m);
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(ms->threads, 4);
}

TEST(ParseStatus, UidsAndErrors) {
  auto s = parse_status("Name:\tx\nUid:\t1000\t1001\t1002\t1003\nGid:\t10\t11\t12\t13\n");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->uid[0], 1000u);
  EXPECT_EQ(s->uid[1], 1001u);
  EXPECT_EQ(s->gid[1], 11u);
  auto bad = parse_status("Uid:\t1000\tx\t0\t0\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "status: line 'Uid': bad value");
  EXPECT_FALSE(parse_status("Name:\tx\n").ok());
}

TEST(ParseSchedstat, Fixtures) {
  std::string text = proc_fixture("stopped/schedstat");
  auto s = parse_schedstat(text);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->run_time_ns, 1159129u);
  EXPECT_EQ(s->run_delay_ns, 1434879u);
  EXPECT_EQ(s->timeslices, 2u);
  EXPECT_FALSE(parse_schedstat("12 x 3").ok());
}

TEST(ParseSyscall, RunningBlockedUserAndKernel) {
  std::string busy = proc_fixture("busy/syscall");
  auto b = parse_syscall(busy);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->kind, SyscallInfo::Kind::Running);
  EXPECT_FALSE(b->stack_pointer);

  std::string sleeping = proc_fixture("sleeping/syscall");
  auto s = parse_syscall(sleeping);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->kind, SyscallInfo::Kind::InSyscall);
  EXPECT_EQ(s->nr, 230);  // clock_nanosleep
  EXPECT_EQ(s->args[2], 0x7ffda009c030u);
  EXPECT_EQ(*s->stack_pointer, 0x7ffda009c018u);
  EXPECT_EQ(*s->program_counter, 0x7f33ad494503u);

  std::string pipe = proc_fixture("comm_parens/syscall");
  auto p = parse_syscall(pipe);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->nr, 0);  // read

  std::string zombie = proc_fixture("zombie/syscall");
  auto z = parse_syscall(zombie);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->kind, SyscallInfo::Kind::UserSpace);
  EXPECT_EQ(z->nr, -1);
  EXPECT_EQ(*z->stack_pointer, 0u);

  auto bad = parse_syscall("0 0x0 zz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "syscall: field 3: not a hex number");
}

TEST(ParseCpuList, RangesAndErrors) {
  auto a = parse_cpu_list("0-3,8,10-11\n");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  auto one = parse_cpu_list("0");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, std::vector<int>{0});
  EXPECT_TRUE(parse_cpu_list("")->empty());
  EXPECT_FALSE(parse_cpu_list("3-1").ok());
  EXPECT_FALSE(parse_cpu_list("a").ok());
}

TEST(ParseCmdline, NulSeparated) {
  std::string text = proc_fixture("busy/cmdline");
  auto args = parse_cmdline(text);
  EXPECT_EQ(args, (std::vector<std::string>{"bash", "-c", "while :; do :; done"}));
  std::string joined;
  join_cmdline(text, joined);
  EXPECT_EQ(joined, "bash -c while :; do :; done");
  EXPECT_TRUE(parse_cmdline(proc_fixture("kthread/cmdline")).empty());
  // A process that rewrote its argv area may leave no trailing NUL.
  EXPECT_EQ(parse_cmdline(std::string_view("nginx: worker", 13)), std::vector<std::string>{"nginx: worker"});
}

TEST(ParseCgroup, Lines) {
  auto lines = parse_cgroup(proc_fixture("multithread/cgroup"));
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_EQ(lines.front(), "9:name=systemd:/");
  EXPECT_EQ(lines.back(), "0::/");
}

TEST(ParseWchan, ZeroMeansNone) {
  EXPECT_EQ(parse_wchan(proc_fixture("busy/wchan")), "");
  EXPECT_EQ(parse_wchan(proc_fixture("comm_parens/wchan")), "anon_pipe_read");
  EXPECT_EQ(parse_wchan(proc_fixture("stopped/wchan")), "do_signal_stop");
}

TEST(ParseFreezer, V1AndV2) {
  EXPECT_TRUE(parse_freezer_state_frozen(proc_fixture("cgroup/freezer.state.frozen")));
  EXPECT_FALSE(parse_freezer_state_frozen(proc_fixture("cgroup/freezer.state.thawed")));
  EXPECT_TRUE(parse_freezer_state_frozen("FREEZING\n"));
  EXPECT_TRUE(parse_cgroup_events_frozen(proc_fixture("cgroup/cgroup.events.frozen")));
  EXPECT_FALSE(parse_cgroup_events_frozen(proc_fixture("cgroup/cgroup.events.thawed")));
}

}  // namespace
}  // namespace corral::proc
