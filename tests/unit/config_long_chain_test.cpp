// SPDX-License-Identifier: Apache-2.0
// A config may chain 100,000 services by `after`: the loader checks it without
// a recursion per link (issue 9, fix 1), and still names a cycle's place.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "corral/config/config.hpp"

namespace corral::config {
namespace {

constexpr int kChain = 100000;

// s000000 after s000001 after ... s099999; with `loop_back`, the last is after
// the first, closing a cycle of kChain services.
std::string chain_text(int n, bool loop_back) {
  std::string text = "[daemon]\nfair_share = \"off\"\ndeadlock_check = \"off\"\n";
  char name[16];
  for (int i = 0; i < n; ++i) {
    std::snprintf(name, sizeof name, "s%06d", i);
    text += "[service.";
    text += name;
    text += "]\nafter = [\"";
    std::snprintf(name, sizeof name, "s%06d", i + 1 < n ? i + 1 : 0);
    if (i + 1 < n || loop_back) {
      text += name;
      text += "\"]\n";
    } else {
      text.erase(text.size() - 10);  // no `after` for the last one
    }
    text += "command = [\"true\"]\nautostart = false\n";
  }
  return text;
}

class ChainFile {
 public:
  explicit ChainFile(const std::string& text) {
    dir_ = "/tmp/corral-chain-test-" + std::to_string(getpid());
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/corral.toml";
    std::FILE* f = std::fopen(path_.c_str(), "w");
    EXPECT_NE(f, nullptr);
    if (f) {
      std::fwrite(text.data(), 1, text.size(), f);
      std::fclose(f);
    }
  }
  ~ChainFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

TEST(ConfigLongChain, HundredThousandLinksLoadAndOrder) {
  ChainFile f(chain_text(kChain, false));
  ConfigLoad l = load_config_collect(f.path());
  ASSERT_TRUE(l.ok()) << (l.errors.empty() ? "" : l.errors.front().to_string());
  ASSERT_EQ(l.config.services.size(), static_cast<std::size_t>(kChain));
  std::vector<std::string> order = start_order(l.config);
  ASSERT_EQ(order.size(), static_cast<std::size_t>(kChain));
  EXPECT_EQ(order.front(), "s099999");  // the one that waits for nothing starts first
  EXPECT_EQ(order.back(), "s000000");
}

TEST(ConfigLongChain, CycleThroughTheWholeChainIsReportedAtItsPlace) {
  ChainFile f(chain_text(kChain, true));
  ConfigLoad l = load_config_collect(f.path());
  ASSERT_EQ(l.errors.size(), 1u);
  const ConfigError& e = l.errors.front();
  EXPECT_EQ(e.file, f.path());
  EXPECT_EQ(e.line, 5u);  // [service.s000000]'s `after`
  EXPECT_EQ(e.column, 9u);
  EXPECT_EQ(e.message,
            "service.s000000.after: dependency cycle: s000000 -> s000001 -> s000002 -> s000003 -> s000004 -> "
            "s000005 -> s000006 -> s000007 -> ... (99984 more) -> s099992 -> s099993 -> s099994 -> s099995 -> "
            "s099996 -> s099997 -> s099998 -> s099999 -> s000000 (each waits for the next)");
}

}  // namespace
}  // namespace corral::config
