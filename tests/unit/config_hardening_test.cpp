// SPDX-License-Identifier: Apache-2.0
// The hardening keys of a service: syscall_filter (with systemd's `~` semantics),
// syscall_action, syscall_filter_mode, no_new_privs, capabilities,
// capability_bounding; every bad value an error at its file:line:col.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "corral/config/config.hpp"
#include "corral/config/to_launch_spec.hpp"

namespace corral::config {
namespace {

class ConfigHardening : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/corral-hardening-test-" + std::to_string(::getpid()) + "-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ConfigLoad load(const std::string& service_body) {
    path_ = dir_ + "/corral.toml";
    std::ofstream(path_, std::ios::trunc) << "[service.web]\ncommand = \"/bin/true\"\n" << service_body;
    return load_config_collect(path_);
  }
  // "LINE:COL: MESSAGE" of each error, checking the file is named.
  std::vector<std::string> errors(const std::string& body) {
    std::vector<std::string> out;
    for (auto& e : load(body).errors) {
      EXPECT_EQ(e.file, path_);
      out.push_back(std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message);
    }
    return out;
  }

  std::string dir_, path_;
};

using V = std::vector<std::string>;

TEST_F(ConfigHardening, FilterActionModeAndCapabilities) {
  auto l = load(
      "user = \"nobody\"\n"
      "syscall_filter = [\"@system-service\", \"~@privileged\", \"~ptrace\"]\n"
      "syscall_action = \"errno:EACCES\"\n"
      "syscall_filter_mode = \"learn\"\n"
      "capabilities = [\"CAP_NET_BIND_SERVICE\"]\n"
      "capability_bounding = [\"net_bind_service\", \"CAP_CHOWN\"]\n");
  ASSERT_TRUE(l.ok()) << l.errors.front().to_string();
  const auto& h = l.config.services.at("web").hardening;
  ASSERT_TRUE(h.syscall_filter);
  EXPECT_TRUE(h.syscall_filter->spec.allow_list);
  EXPECT_TRUE(h.syscall_filter->spec.syscalls.count("read"));
  EXPECT_FALSE(h.syscall_filter->spec.syscalls.count("ptrace"));
  EXPECT_FALSE(h.syscall_filter->spec.syscalls.count("reboot"));
  EXPECT_EQ(h.syscall_filter->action.errno_value, EACCES);
  EXPECT_EQ(h.syscall_filter->mode, seccomp::FilterMode::Learn);
  EXPECT_EQ(h.capabilities, std::optional<std::uint64_t>(1ULL << 10));
  EXPECT_EQ(h.capability_bounding, std::optional<std::uint64_t>((1ULL << 10) | 1ULL));
  auto spec = to_launch_spec(l.config.services.at("web"));
  ASSERT_TRUE(spec.syscall_filter);
  EXPECT_EQ(spec.capabilities, h.capabilities);
}

TEST_F(ConfigHardening, DefaultsAreEpermAndEnforce) {
  auto l = load("syscall_filter = [\"~@mount\"]\nno_new_privs = true\n");
  ASSERT_TRUE(l.ok()) << l.errors.front().to_string();
  const auto& h = l.config.services.at("web").hardening;
  ASSERT_TRUE(h.syscall_filter);
  EXPECT_FALSE(h.syscall_filter->spec.allow_list);
  EXPECT_EQ(h.syscall_filter->action, seccomp::FilterAction{});
  EXPECT_EQ(h.syscall_filter->mode, seccomp::FilterMode::Enforce);
  EXPECT_TRUE(h.no_new_privs);
}

TEST_F(ConfigHardening, UnknownSyscallOrGroupWithDidYouMean) {
  EXPECT_EQ(errors("syscall_filter = [\"@system-service\", \"~sockett\", \"~@mout\"]\n"),
            (V{"3:38: service.web.syscall_filter[1]: unknown system call \"sockett\" (did you mean \"socket\"?)",
               "3:50: service.web.syscall_filter[2]: unknown system call group \"@mout\" (did you mean \"@mount\"?)"}));
}

TEST_F(ConfigHardening, TildeAloneAndEmptyList) {
  EXPECT_EQ(errors("syscall_filter = [\"~\"]\n"),
            (V{"3:19: service.web.syscall_filter[0]: \"~\" alone: write ~NAME or ~@GROUP"}));
  auto empty = errors("syscall_filter = []\n");
  ASSERT_EQ(empty.size(), 1U);
  EXPECT_EQ(empty[0].rfind("3:18: service.web.syscall_filter: an empty allow list", 0), 0U) << empty[0];
}

TEST_F(ConfigHardening, BadActionModeAndCapability) {
  EXPECT_EQ(errors("syscall_filter = [\"@system-service\"]\nsyscall_action = \"errno:EWHAT\"\n"
                   "syscall_filter_mode = \"teach\"\nuser = \"nobody\"\ncapabilities = [\"CAP_NET_BIND_SERVIC\"]\n"),
            (V{"4:18: service.web.syscall_action: unknown errno name \"EWHAT\" (expected a name like EACCES)",
               "5:23: service.web.syscall_filter_mode: expected \"enforce\" or \"learn\", got \"teach\"",
               "7:17: service.web.capabilities[0]: unknown capability \"CAP_NET_BIND_SERVIC\" "
               "(did you mean \"CAP_NET_BIND_SERVICE\"?)"}));
}

TEST_F(ConfigHardening, ActionWithoutFilterAndCapabilitiesWithoutUser) {
  EXPECT_EQ(errors("syscall_action = \"kill\"\ncapabilities = [\"CAP_CHOWN\"]\n"),
            (V{"3:18: service.web.syscall_action: has no effect without syscall_filter",
               "4:16: service.web.capabilities: needs a non-root user (they become its ambient capabilities); "
               "for root, use capability_bounding"}));
}

}  // namespace
}  // namespace corral::config
