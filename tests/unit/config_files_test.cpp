// SPDX-License-Identifier: Apache-2.0
// stamp_config: equal for files left alone, different after anything a load
// would notice (a main file or conf.d file written or replaced, a conf.d file
// added or removed).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "corral/config/config_files.hpp"

namespace corral::config {
namespace {

class ConfigStampTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/corral-stamp-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    main_ = dir_ + "/corral.toml";
    std::filesystem::create_directory(dir_ + "/conf.d");
    put(main_, "[daemon]\n");
    put(dir_ + "/conf.d/a.toml", "[service.a]\ncommand = [\"true\"]\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static void put(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

  std::string dir_, main_;
};

TEST_F(ConfigStampTest, ListsTheMainFileTheFolderAndItsTomlFilesInOrder) {
  put(dir_ + "/conf.d/0.toml", "");
  put(dir_ + "/conf.d/.hidden.toml", "");
  put(dir_ + "/conf.d/notes.txt", "");
  ConfigStamp s = stamp_config(main_);
  ASSERT_EQ(s.files.size(), 4u);
  EXPECT_EQ(s.files[0].path, main_);
  EXPECT_EQ(s.files[1].path, dir_ + "/conf.d");
  EXPECT_EQ(s.files[2].path, dir_ + "/conf.d/0.toml");
  EXPECT_EQ(s.files[3].path, dir_ + "/conf.d/a.toml");
  EXPECT_EQ(s.files[0].error, 0);
  EXPECT_EQ(s.files[0].size, 9);  // "[daemon]\n"
}

TEST_F(ConfigStampTest, UnchangedFilesGiveEqualStamps) { EXPECT_EQ(stamp_config(main_), stamp_config(main_)); }

TEST_F(ConfigStampTest, AWrittenFileChangesTheStamp) {
  ConfigStamp before = stamp_config(main_);
  put(dir_ + "/conf.d/a.toml", "[service.a]\ncommand = [\"false\"]\n");
  EXPECT_NE(stamp_config(main_), before);
  before = stamp_config(main_);
  put(main_, "[daemon]\nfair_share = \"off\"\n");
  EXPECT_NE(stamp_config(main_), before);
}

TEST_F(ConfigStampTest, AReplacedFileChangesTheStampEvenWithTheSameSizeAndTimes) {
  ConfigStamp before = stamp_config(main_);
  // An editor's save: a new file renamed over the old one (a new inode), with
  // the old modification time put back.
  struct stat old{};
  ASSERT_EQ(::stat(main_.c_str(), &old), 0);
  put(main_ + ".new", "[daemon]\n");
  const timespec times[2] = {old.st_atim, old.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, (main_ + ".new").c_str(), times, 0), 0);
  ASSERT_EQ(std::rename((main_ + ".new").c_str(), main_.c_str()), 0);
  EXPECT_NE(stamp_config(main_), before);
}

TEST_F(ConfigStampTest, AnAddedOrRemovedConfDFileChangesTheStamp) {
  ConfigStamp before = stamp_config(main_);
  put(dir_ + "/conf.d/b.toml", "");
  ConfigStamp added = stamp_config(main_);
  EXPECT_NE(added, before);
  ASSERT_EQ(::unlink((dir_ + "/conf.d/b.toml").c_str()), 0);
  EXPECT_NE(stamp_config(main_), added);
}

TEST_F(ConfigStampTest, AMissingMainFileIsStampedAsMissing) {
  ConfigStamp s = stamp_config(dir_ + "/none.toml");
  ASSERT_FALSE(s.files.empty());
  EXPECT_EQ(s.files[0].error, ENOENT);
}

}  // namespace
}  // namespace corral::config
