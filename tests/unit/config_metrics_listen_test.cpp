// SPDX-License-Identifier: Apache-2.0
// [daemon] metrics_listen: the address forms, and a bad value's file:line:col.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "corral/config/config.hpp"
#include "corral/config/listen_address.hpp"

namespace corral::config {
namespace {

TEST(ConfigMetricsListen, AddressForms) {
  auto a = parse_listen_address("127.0.0.1:9464");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_FALSE(a->is_unix);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9464);
  auto b = parse_listen_address("[::1]:80");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_TRUE(b->ipv6);
  EXPECT_EQ(b->host, "::1");
  auto c = parse_listen_address("localhost:1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "127.0.0.1");
  auto d = parse_listen_address("/run/corral/metrics.sock");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->is_unix);
  EXPECT_EQ(d->path, "/run/corral/metrics.sock");
}

TEST(ConfigMetricsListen, BadAddresses) {
  for (const char* bad : {"9464", ":9464", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:http", "example.com:9464",
                          "::1:9464", "relative/path.sock"}) {
    EXPECT_FALSE(parse_listen_address(bad)) << bad;
  }
}

class ConfigMetricsListenFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("corral-mlisten-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  ConfigLoad load(const std::string& toml) {
    std::ofstream(dir_ / "corral.toml") << toml;
    return load_config_collect((dir_ / "corral.toml").string());
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigMetricsListenFile, OffByDefaultAndWhenOff) {
  auto l = load("[daemon]\nfair_share = \"off\"\n");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.config.daemon.metrics_listen, "");
  l = load("[daemon]\nmetrics_listen = \"off\"\n");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.config.daemon.metrics_listen, "");
}

TEST_F(ConfigMetricsListenFile, ReadAndCheckedWithItsPlace) {
  auto l = load("[daemon]\nmetrics_listen = \"127.0.0.1:9464\"\n");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.config.daemon.metrics_listen, "127.0.0.1:9464");
  l = load("[daemon]\nmetrics_listen = \"nowhere:99\"\n");
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_EQ(l.errors[0].line, 2u);
  EXPECT_EQ(l.errors[0].column, 18u);
  EXPECT_NE(l.errors[0].message.find("metrics_listen"), std::string::npos) << l.errors[0].message;
  EXPECT_NE(l.errors[0].message.find("HOST:PORT"), std::string::npos) << l.errors[0].message;
}

}  // namespace
}  // namespace corral::config
