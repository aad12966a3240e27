// SPDX-License-Identifier: Apache-2.0
// KeptFiles (issue 15): files kept open between reads give the file's current
// text, never a dead process's, and are closed once nobody reads them.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "corral/base/kept_files.hpp"

namespace corral {
namespace {

std::string temp_path(const char* name) {
  return "/tmp/corral-kept-files-" + std::to_string(::getpid()) + "-" + name;
}

void write_text(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

TEST(KeptFiles, ReadsTheCurrentTextEachTime) {
  const std::string path = temp_path("current");
  write_text(path, "12345\n");
  KeptFiles kept(8);
  auto a = kept.read(path);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(*a, "12345\n");
  EXPECT_EQ(kept.open_count(), 1u);
  write_text(path, "6\n");  // the same inode, truncated and rewritten
  auto b = kept.read(path);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "6\n");
  // A file longer than the first buffer comes back whole.
  std::string big(10000, 'x');
  write_text(path, big);
  auto c = kept.read(path);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->size(), big.size());
  std::filesystem::remove(path);
}

TEST(KeptFiles, AnExitedProcessIsAnErrorNotItsLastStat) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  KeptFiles kept(8);
  const std::string path = "/proc/" + std::to_string(child) + "/stat";
  auto live = kept.read(path);
  ASSERT_TRUE(live.ok()) << live.error().message;
  EXPECT_EQ(live->substr(0, std::to_string(child).size()), std::to_string(child));
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  auto gone = kept.read(path);
  EXPECT_FALSE(gone.ok()) << "read a reaped process's stat: " << *gone;
  EXPECT_EQ(kept.open_count(), 0u);
}

TEST(KeptFiles, SweepClosesWhatWasNotReadAndTheBudgetHolds) {
  const std::string a = temp_path("a"), b = temp_path("b"), c = temp_path("c");
  for (const auto& p : {a, b, c}) write_text(p, "1\n");
  KeptFiles kept(2);
  ASSERT_TRUE(kept.read(a).ok());
  ASSERT_TRUE(kept.read(b).ok());
  ASSERT_TRUE(kept.read(c).ok());  // over the budget: read, not kept
  EXPECT_EQ(kept.open_count(), 2u);
  kept.sweep();
  EXPECT_EQ(kept.open_count(), 2u);
  ASSERT_TRUE(kept.read(a).ok());
  kept.sweep();  // b was not read since the last sweep
  EXPECT_EQ(kept.open_count(), 1u);
  KeptFiles none(0);
  auto r = none.read(a);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "1\n");
  EXPECT_EQ(none.open_count(), 0u);
  EXPECT_FALSE(none.read(temp_path("missing")).ok());
  for (const auto& p : {a, b, c}) std::filesystem::remove(p);
}

}  // namespace
}  // namespace corral
