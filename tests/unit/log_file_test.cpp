// SPDX-License-Identifier: Apache-2.0
#include "corral/supervise/log_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "corral/base/file_read.hpp"

namespace corral::supervise {
namespace {

class LogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/corral-logfile-" + std::to_string(::getpid()) + "-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(LogFileTest, RotatesAtTheSizeLimitAndKeepsK) {
  std::string path = dir_ + "/svc.log";
  LogFile log(path, 100, 2);
  std::string line(40, 'a');
  line.back() = '\n';
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log.write(line).ok());
  EXPECT_LE(std::filesystem::file_size(path), 100u);
  EXPECT_TRUE(std::filesystem::exists(path + ".1"));
  EXPECT_TRUE(std::filesystem::exists(path + ".2"));
  EXPECT_FALSE(std::filesystem::exists(path + ".3"));
  EXPECT_EQ(std::filesystem::file_size(path + ".1"), 80u);
}

TEST_F(LogFileTest, BigWritesAreSplitAtLinesAcrossRotations) {
  std::string path = dir_ + "/svc.log";
  LogFile log(path, 100, 3);
  std::string chunk;
  for (int i = 0; i < 10; ++i) chunk += "line " + std::to_string(i) + " ..................\n";
  ASSERT_TRUE(log.write(chunk).ok());
  for (const char* suffix : {"", ".1", ".2", ".3"}) {
    auto text = *read_file(path + suffix);
    EXPECT_LE(text.size(), 100u) << suffix;
    EXPECT_EQ(text.back(), '\n') << suffix;
  }
  EXPECT_EQ(read_file(path + ".3")->substr(0, 6), "line 0");  // 26-byte lines: three per file
  // A line longer than the limit is cut hard rather than overflowing the file.
  LogFile big(dir_ + "/big.log", 10, 1);
  ASSERT_TRUE(big.write(std::string(25, 'x')).ok());
  EXPECT_EQ(std::filesystem::file_size(dir_ + "/big.log"), 5u);
  EXPECT_EQ(std::filesystem::file_size(dir_ + "/big.log.1"), 10u);
}

TEST_F(LogFileTest, KeepZeroTruncates) {
  std::string path = dir_ + "/svc.log";
  LogFile log(path, 10, 0);
  ASSERT_TRUE(log.write("12345678\n").ok());
  ASSERT_TRUE(log.write("abcdefgh\n").ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".1"));
  EXPECT_EQ(*read_file(path), "abcdefgh\n");
}

TEST_F(LogFileTest, TailGivesTheLastLines) {
  std::string path = dir_ + "/svc.log";
  LogFile log(path, 0, 0);
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(log.write("line " + std::to_string(i) + "\n").ok());
  EXPECT_EQ(*tail_file(path, 2), "line 4\nline 5\n");
  EXPECT_EQ(*tail_file(path, 50), "line 1\nline 2\nline 3\nline 4\nline 5\n");
  EXPECT_EQ(*tail_file(path, 0), "");
  EXPECT_EQ(*tail_file(dir_ + "/missing.log", 3), "");
  ASSERT_TRUE(log.write("partial").ok());
  EXPECT_EQ(*tail_file(path, 1), "partial");
}

TEST_F(LogFileTest, UnwritableDirectoryIsAnError) {
  LogFile log(dir_ + "/no/such/dir/svc.log", 100, 1);
  auto st = log.write("x");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("svc.log"), std::string::npos);
}

}  // namespace
}  // namespace corral::supervise
