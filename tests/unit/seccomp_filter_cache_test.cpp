// SPDX-License-Identifier: Apache-2.0
// The BPF program cache: one libseccomp build per filter setting.
#include "corral/seccomp/filter_cache.hpp"

#include <gtest/gtest.h>

namespace corral::seccomp {
namespace {

FilterConfig config_of(const std::vector<std::string>& entries, FilterAction action = {},
                       FilterMode mode = FilterMode::Enforce) {
  auto spec = parse_filter(entries);
  EXPECT_TRUE(spec.ok()) << spec.error().message;
  return FilterConfig{*spec, action, mode};
}

TEST(SeccompFilterCache, TheSameSettingIsBuiltOnceAndShared) {
  auto c = config_of({"@system-service", "~@mount"});
  auto first = cached_filter(c);
  ASSERT_TRUE(first.ok()) << first.error().message;
  std::size_t builds = filter_builds();
  auto again = cached_filter(c);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->get(), again->get()) << "a second launch must reuse the program";
  EXPECT_EQ(filter_builds(), builds);
  // The cached program is the one build_filter makes.
  auto direct = build_filter(c.spec, c.action, c.mode);
  ASSERT_TRUE(direct.ok());
  ASSERT_EQ(direct->instructions.size(), (*first)->instructions.size());
  for (std::size_t i = 0; i < direct->instructions.size(); ++i) {
    EXPECT_EQ(direct->instructions[i].code, (*first)->instructions[i].code) << i;
    EXPECT_EQ(direct->instructions[i].k, (*first)->instructions[i].k) << i;
  }
}

TEST(SeccompFilterCache, AChangedListActionOrModeIsADifferentProgram) {
  auto base = cached_filter(config_of({"~@network-io"}));
  ASSERT_TRUE(base.ok());
  auto other_list = cached_filter(config_of({"~@mount"}));
  FilterAction kill;
  kill.kind = FilterAction::Kind::Kill;
  auto other_action = cached_filter(config_of({"~@network-io"}, kill));
  auto other_mode = cached_filter(config_of({"~@network-io"}, {}, FilterMode::Learn));
  ASSERT_TRUE(other_list.ok() && other_action.ok() && other_mode.ok());
  EXPECT_NE(base->get(), other_list->get());
  EXPECT_NE(base->get(), other_action->get());
  EXPECT_NE(base->get(), other_mode->get());
  EXPECT_NE(other_action->get(), other_mode->get());
  // And back: the first setting is still the first program.
  auto back = cached_filter(config_of({"~@network-io"}));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(base->get(), back->get());
  EXPECT_GE(cached_filter_count(), 4U);
}

}  // namespace
}  // namespace corral::seccomp
