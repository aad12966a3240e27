// SPDX-License-Identifier: Apache-2.0
// lib/seccomp: the group table, the resolver, systemd's `~` semantics, actions and
// filter building. Pure: nothing is loaded into this process.
#include <gtest/gtest.h>

#include <map>

#include "corral/seccomp/bpf_program.hpp"
#include "corral/seccomp/filter_spec.hpp"
#include "corral/seccomp/resolve.hpp"
#include "corral/seccomp/suggest.hpp"
#include "corral/seccomp/syscall_groups.hpp"

namespace corral::seccomp {
namespace {

TEST(SeccompGroups, EveryMemberIsAKnownSyscallOrGroup) {
  for (const auto& g : syscall_groups()) {
    ASSERT_EQ(g.name.front(), '@');
    for (auto m : g.members) {
      if (m.front() == '@') EXPECT_NE(find_group(m), nullptr) << g.name << " includes " << m;
      else EXPECT_TRUE(known_syscall(m)) << g.name << " lists " << m;
    }
  }
}

TEST(SeccompGroups, SortedAndEveryGroupExpands) {
  std::string_view previous;
  for (const auto& g : syscall_groups()) {
    EXPECT_LT(previous, g.name);
    previous = g.name;
    auto set = expand(g.name);
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_FALSE(set->empty());
  }
}

TEST(SeccompResolve, GroupsIncludeGroupsRecursively) {
  auto service = expand("@system-service");
  ASSERT_TRUE(service.ok());
  EXPECT_TRUE(service->count("socket"));       // via @network-io
  EXPECT_TRUE(service->count("execve"));       // via @default
  EXPECT_FALSE(service->count("mount"));
  EXPECT_FALSE(service->count("init_module"));
  auto priv = expand("@privileged");
  ASSERT_TRUE(priv.ok());
  EXPECT_TRUE(priv->count("reboot"));          // via @reboot
  EXPECT_TRUE(priv->count("chown"));           // via @chown
}

TEST(SeccompResolve, NamesFromEveryArchitecture) {
  EXPECT_TRUE(known_syscall("socketcall"));  // i386 only
  EXPECT_TRUE(known_syscall("open"));        // not on aarch64
  EXPECT_TRUE(known_syscall("getppid"));
  EXPECT_FALSE(known_syscall("no_such_call"));
  EXPECT_GT(all_syscall_names().size(), 300U);
}

TEST(SeccompResolve, UnknownNamesGetADidYouMean) {
  auto r = expand("sockett");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown system call \"sockett\""), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("did you mean \"socket\"?"), std::string::npos) << r.error().message;
  auto g = expand("@network-oi");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("did you mean \"@network-io\"?"), std::string::npos) << g.error().message;
  auto far = expand("@zzzzzzzzzz");
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().message.find("did you mean"), std::string::npos);
}

TEST(SeccompResolve, ACycleIsAnErrorNotARecursionWithoutEnd) {
  std::map<std::string_view, SyscallGroup> table{
      {"@a", {"@a", "", {"read", "@b"}}}, {"@b", {"@b", "", {"write", "@a"}}}, {"@c", {"@c", "", {"@b"}}}};
  GroupLookup lookup = [&](std::string_view n) -> const SyscallGroup* {
    auto it = table.find(n);
    return it == table.end() ? nullptr : &it->second;
  };
  auto r = expand("@c", lookup);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("@b -> @a -> @b"), std::string::npos) << r.error().message;
}

TEST(SeccompFilterSpec, AllowListAddsAndTildeRemoves) {
  auto f = parse_filter({"@system-service", "~@network-io", "~ptrace"});
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_TRUE(f->allow_list);
  EXPECT_TRUE(f->syscalls.count("read"));
  EXPECT_FALSE(f->syscalls.count("socket"));
  EXPECT_TRUE(f->syscalls.count("execve"));
}

TEST(SeccompFilterSpec, LeadingTildeMakesADenyListAndPlainEntriesTakeBack) {
  auto f = parse_filter({"~@network-io", "socketpair"});
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_FALSE(f->allow_list);
  EXPECT_TRUE(f->syscalls.count("socket"));
  EXPECT_FALSE(f->syscalls.count("socketpair"));
  EXPECT_FALSE(f->syscalls.count("read"));
}

TEST(SeccompFilterSpec, AllowListAlwaysHasDefaultAndExecveCannotBeDenied) {
  auto allow = parse_filter({"read", "~execve"});
  ASSERT_TRUE(allow.ok());
  EXPECT_TRUE(allow->syscalls.count("execve"));
  EXPECT_TRUE(allow->syscalls.count("exit_group"));
  EXPECT_TRUE(allow->syscalls.count("futex"));  // @default
  auto deny = parse_filter({"~@process", "~execve"});
  ASSERT_TRUE(deny.ok());
  EXPECT_FALSE(deny->syscalls.count("execve"));
  EXPECT_FALSE(deny->syscalls.count("execveat"));
  EXPECT_TRUE(deny->syscalls.count("clone"));
}

TEST(SeccompFilterSpec, BadEntries) {
  auto tilde = parse_filter_entry("~");
  ASSERT_FALSE(tilde.ok());
  EXPECT_NE(tilde.error().message.find("\"~\" alone"), std::string::npos);
  EXPECT_FALSE(parse_filter_entry("").ok());
  auto empty = parse_filter({});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("empty allow list"), std::string::npos);
}

TEST(SeccompFilterAction, Spellings) {
  auto eperm = parse_filter_action("eperm");
  ASSERT_TRUE(eperm.ok());
  EXPECT_EQ(eperm->errno_value, EPERM);
  auto eacces = parse_filter_action("errno:EACCES");
  ASSERT_TRUE(eacces.ok());
  EXPECT_EQ(eacces->errno_value, EACCES);
  EXPECT_EQ(to_string(*eacces), "errno:EACCES");
  EXPECT_EQ(parse_filter_action("kill")->kind, FilterAction::Kind::Kill);
  EXPECT_EQ(parse_filter_action("log")->kind, FilterAction::Kind::Log);
  EXPECT_FALSE(parse_filter_action("errno:EWHAT").ok());
  EXPECT_FALSE(parse_filter_action("deny").ok());
}

// On x86_64 the program must check for the i386 ABI too (and not only kill it as
// a bad architecture): the compare instructions hold AUDIT_ARCH_I386's value.
TEST(SeccompBuild, ChecksTheCompatArchitectures) {
#if defined(__x86_64__)
  auto spec = parse_filter({"~@network-io"});
  ASSERT_TRUE(spec.ok());
  auto prog = build_filter(*spec, FilterAction{}, FilterMode::Enforce);
  ASSERT_TRUE(prog.ok());
  auto has_k = [&](std::uint32_t k) {
    for (const auto& i : prog->instructions)
      if (BPF_CLASS(i.code) == BPF_JMP && i.k == k) return true;
    return false;
  };
  EXPECT_TRUE(has_k(0xC000003EU));  // AUDIT_ARCH_X86_64
  EXPECT_TRUE(has_k(0x40000003U));  // AUDIT_ARCH_I386
  EXPECT_TRUE(has_k(359U));         // i386 socket
  EXPECT_TRUE(has_k(102U));         // i386 socketcall
  // x32 (bit 30 of an x86_64 number) is refused as a whole: one comparison,
  // and no x32 syscall numbers in the program (x32 socket is 0x40000029).
  EXPECT_TRUE(has_k(0x40000000U));
  EXPECT_FALSE(has_k(0x40000029U));
#else
  GTEST_SKIP() << "x86_64 only";
#endif
}

TEST(SeccompBuild, BuildsAProgramForBothModes) {
  auto spec = parse_filter({"@system-service"});
  ASSERT_TRUE(spec.ok());
  for (auto mode : {FilterMode::Enforce, FilterMode::Learn}) {
    auto prog = build_filter(*spec, FilterAction{}, mode);
    ASSERT_TRUE(prog.ok()) << prog.error().message;
    EXPECT_GT(prog->instructions.size(), 10U);
  }
  auto deny = parse_filter({"~@mount"});
  ASSERT_TRUE(deny.ok());
  auto kill = build_filter(*deny, FilterAction{FilterAction::Kind::Kill, 0}, FilterMode::Enforce);
  ASSERT_TRUE(kill.ok()) << kill.error().message;
}

}  // namespace
}  // namespace corral::seccomp


namespace corral::seccomp {
namespace {

TEST(SeccompSuggest, WholeGroupsBecomeGroupsTheRestStaysSingle) {
  auto sync = expand("@sync");
  ASSERT_TRUE(sync.ok());
  std::set<std::string> learned = *sync;  // every @sync call (those absent here are ignored)
  learned.insert("socket");
  auto out = suggest_filter({"@basic-io"}, learned);
  EXPECT_EQ(out, (std::vector<std::string>{"@basic-io", "@sync", "socket"}));
  EXPECT_EQ(format_filter_line(out), "syscall_filter = [\"@basic-io\", \"@sync\", \"socket\"]");
  // The suggestion really allows what was learned, also after a '~' entry.
  auto spec = parse_filter(suggest_filter({"@system-service", "~@network-io"}, {"socket", "connect"}));
  ASSERT_TRUE(spec.ok());
  EXPECT_TRUE(spec->syscalls.count("socket"));
  EXPECT_TRUE(spec->syscalls.count("connect"));
  EXPECT_FALSE(spec->syscalls.count("bind"));
}

}  // namespace
}  // namespace corral::seccomp
