// SPDX-License-Identifier: Apache-2.0
// [daemon] socket_group: unset by default, a group name when given, and a bad
// value refused with its file:line:col.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "corral/config/config.hpp"

namespace corral::config {
namespace {

class ConfigSocketGroup : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("corral-sockgroup-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  ConfigLoad load(const std::string& toml) {
    std::ofstream(dir_ / "corral.toml") << toml;
    return load_config_collect((dir_ / "corral.toml").string());
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigSocketGroup, UnsetByDefaultAndReadWhenGiven) {
  auto l = load("[daemon]\nfair_share = \"off\"\n");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.config.daemon.socket_group, "");
  l = load("[daemon]\nsocket_group = \"corral\"\n");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.config.daemon.socket_group, "corral");
}

TEST_F(ConfigSocketGroup, BadValuesNameTheirPlace) {
  for (const char* bad : {"\"\"", "\"a/b\"", "\"-x\"", "\"has space\"", "42"}) {
    auto l = load(std::string("[daemon]\nsocket_group = ") + bad + "\n");
    ASSERT_EQ(l.errors.size(), 1u) << bad;
    EXPECT_EQ(l.errors[0].line, 2u) << bad;
    EXPECT_EQ(l.errors[0].column, 16u) << bad;
    EXPECT_NE(l.errors[0].message.find("socket_group"), std::string::npos) << l.errors[0].message;
  }
}

}  // namespace
}  // namespace corral::config
