// SPDX-License-Identifier: Apache-2.0
// service.NAME.parent_death_signal: default none (services outlive corrald),
// a signal name or number, "none"; a bad value names file:line:col and the key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>

#include "corral/config/config.hpp"

namespace corral::config {
namespace {

class ParentDeathConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/corral-pdeath-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/corral.toml";
  }
  void TearDown() override {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  ConfigLoad load(const std::string& text) {
    std::ofstream(path_) << "[daemon]\nstate_dir = \"" << dir_ << "\"\nlog_dir = \"" << dir_ << "\"\n" << text;
    return load_config_collect(path_);
  }
  std::string dir_, path_;
};

TEST_F(ParentDeathConfig, DefaultIsNoneAndNamesAndNumbersWork) {
  auto l = load(R"(
[service.a]
command = "sleep 1"
[service.b]
command = "sleep 1"
parent_death_signal = "TERM"
[service.c]
command = "sleep 1"
parent_death_signal = 9
[service.d]
command = "sleep 1"
parent_death_signal = "none"
)");
  ASSERT_TRUE(l.ok()) << (l.errors.empty() ? "" : l.errors[0].to_string());
  EXPECT_EQ(l.config.services.at("a").parent_death_signal, 0);
  EXPECT_EQ(l.config.services.at("b").parent_death_signal, SIGTERM);
  EXPECT_EQ(l.config.services.at("c").parent_death_signal, SIGKILL);
  EXPECT_EQ(l.config.services.at("d").parent_death_signal, 0);
}

TEST_F(ParentDeathConfig, ABadValueNamesThePlace) {
  auto l = load("[service.a]\ncommand = \"sleep 1\"\nparent_death_signal = \"TREM\"\n");
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_EQ(l.errors[0].file, path_);
  EXPECT_EQ(l.errors[0].line, 6u);
  EXPECT_NE(l.errors[0].message.find("service.a.parent_death_signal: unknown signal \"TREM\""), std::string::npos)
      << l.errors[0].message;
  l = load("[service.a]\ncommand = \"sleep 1\"\nparent_death_signal = true\n");
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_NE(l.errors[0].message.find("parent_death_signal"), std::string::npos) << l.errors[0].message;
}

}  // namespace
}  // namespace corral::config
