// SPDX-License-Identifier: Apache-2.0
// The default /etc/corral/corral.toml shipped by the Debian package
// (packaging/corral.toml) must load, must agree with the folders the systemd
// unit creates, and its commented examples must be valid once uncommented.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "corral/base/file_read.hpp"
#include "corral/config/config.hpp"

namespace corral::config {
namespace {

const std::string kShipped = std::string(CORRAL_SOURCE_DIR) + "/packaging/corral.toml";

TEST(PackagingConfig, ShippedConfigLoads) {
  auto c = load_config(kShipped);
  ASSERT_TRUE(c) << c.error().message;
  // Nothing runs until the administrator adds a service.
  EXPECT_TRUE(c->services.empty());
  EXPECT_EQ(c->groups.size(), 1u);
  EXPECT_TRUE(c->groups.count(kDefaultGroup));
}

TEST(PackagingConfig, DaemonTableMatchesRootDefaultsAndUnitFolders) {
  auto c = load_config(kShipped);
  ASSERT_TRUE(c) << c.error().message;
  // corrald.service runs as root with RuntimeDirectory, LogsDirectory and
  // StateDirectory "corral": the file must name exactly those folders.
  const DaemonConfig root = default_daemon_config(0, {});
  EXPECT_EQ(c->daemon.socket, "/run/corral/corral.sock");
  EXPECT_EQ(c->daemon.socket, root.socket);
  EXPECT_EQ(c->daemon.log_dir, "/var/log/corral");
  EXPECT_EQ(c->daemon.log_dir, root.log_dir);
  EXPECT_EQ(c->daemon.state_dir, "/var/lib/corral");
  EXPECT_EQ(c->daemon.state_dir, root.state_dir);
  EXPECT_EQ(c->daemon.socket_group, "corral");  // the package's group (debian/corral.postinst)
  // The other settings written out are the documented defaults.
  EXPECT_EQ(c->daemon.log_max_size, root.log_max_size);
  EXPECT_EQ(c->daemon.log_keep, root.log_keep);
  EXPECT_EQ(c->daemon.fair_share, root.fair_share);
  EXPECT_EQ(c->daemon.deadlock_check, root.deadlock_check);
  EXPECT_EQ(c->daemon.deadlock_action, root.deadlock_action);
}

// "# [service.web]" -> "[service.web]", "# user = ..." -> "user = ...": only
// commented-out tables and key lines, not the prose comments.
std::string uncomment_examples(const std::string& text) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("# ", 0) == 0) {
      std::string rest = line.substr(2);
      bool table = rest.rfind("[group.", 0) == 0 || rest.rfind("[service.", 0) == 0;
      std::size_t key_end = rest.find_first_not_of("abcdefghijklmnopqrstuvwxyz_");
      bool key = key_end != std::string::npos && key_end > 0 && rest.compare(key_end, 3, " = ") == 0;
      if (table || key) line = rest;
    }
    out += line + "\n";
  }
  return out;
}

TEST(PackagingConfig, CommentedExamplesAreValid) {
  auto text = read_file(kShipped);
  ASSERT_TRUE(text) << text.error().message;
  const std::string dir = "/tmp/corral-pkgconf-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  // Removed however the test ends (an ASSERT returns early).
  struct RemoveDir {
    std::string path;
    ~RemoveDir() { std::filesystem::remove_all(path); }
  } remove_dir{dir};
  const std::string path = dir + "/corral.toml";
  {
    std::ofstream out(path);
    out << uncomment_examples(*text);
    ASSERT_TRUE(out.flush()) << "cannot write " << path;
  }

  auto c = load_config(path);
  ASSERT_TRUE(c) << c.error().message;
  // Both example services and the example group are really there.
  EXPECT_TRUE(c->services.count("web@0"));
  EXPECT_TRUE(c->services.count("web@1"));
  ASSERT_TRUE(c->services.count("worker"));
  EXPECT_EQ(c->services.at("worker").group, "batch");
  EXPECT_EQ(c->services.at("worker").after, std::vector<std::string>{"web"});
  ASSERT_TRUE(c->groups.count("batch"));
  EXPECT_EQ(c->groups.at("batch").weight, 50u);
}

}  // namespace
}  // namespace corral::config
