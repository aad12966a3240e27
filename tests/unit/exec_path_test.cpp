// SPDX-License-Identifier: Apache-2.0
// PATH resolution against a real temporary directory tree.
#include "corral/launch/exec_path.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace corral::launch {
namespace {

class ExecPath : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("corral-exec-path-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "a");
    std::filesystem::create_directories(dir_ / "b");
    make(dir_ / "a" / "tool", 0644);  // found first but not executable
    make(dir_ / "b" / "tool", 0755);
    make(dir_ / "a" / "plain", 0644);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static void make(const std::filesystem::path& p, mode_t mode) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    ASSERT_GE(fd, 0);
    ::close(fd);
    ::chmod(p.c_str(), mode);
  }
  std::string path_var() const { return (dir_ / "a").string() + ":" + (dir_ / "b").string(); }
  std::filesystem::path dir_;
};

TEST_F(ExecPath, SlashNamesAreKept) {
  auto r = resolve_executable("./x/y", {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "./x/y");
}

TEST_F(ExecPath, SkipsNonExecutableMatches) {
  auto r = resolve_executable("tool", {{"PATH", path_var()}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, (dir_ / "b" / "tool").string());
}

TEST_F(ExecPath, OnlyNonExecutableMatchIsEacces) {
  auto r = resolve_executable("plain", {{"PATH", path_var()}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, EACCES);
  EXPECT_EQ(r.error().message, "exec plain: Permission denied (searched PATH=" + path_var() + ")");
}

TEST_F(ExecPath, MissingIsEnoent) {
  auto r = resolve_executable("corral-nothing", {{"PATH", path_var()}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ENOENT);
}

TEST_F(ExecPath, DirectoriesAreNotPrograms) {
  auto r = resolve_executable("a", {{"PATH", dir_.string()}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ENOENT);
}

TEST_F(ExecPath, DefaultPathWithoutPathVariable) {
  auto r = resolve_executable("sh", {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(*r == "/usr/bin/sh" || *r == "/bin/sh") << *r;
}

TEST_F(ExecPath, EmptyNameRejected) {
  auto r = resolve_executable("", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, EINVAL);
}

}  // namespace
}  // namespace corral::launch
