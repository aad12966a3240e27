// SPDX-License-Identifier: Apache-2.0
// corrald's command line (daemon/command_line.cpp, CLI11): --help, --version,
// exit code 2 for every bad command line, and the options keep their meaning.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "proc_test_util.hpp"
#include "program_dir.hpp"

namespace corral::testing {
namespace {

const std::string kCorrald = program_dir() + "/daemon/corrald";

TEST(CorraldCommandLine, VersionPrintsProjectVersion) {
  auto r = run({kCorrald, "--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "corrald " CORRAL_VERSION "\n");
}

TEST(CorraldCommandLine, HelpListsEveryOption) {
  for (const char* flag : {"--help", "-h"}) {
    auto r = run({kCorrald, flag});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const char* option : {"--config", "--socket", "--log-dir", "--state-dir", "--client-timeout",
                               "--cgroup-name", "--foreground", "--version", "--help"})
      EXPECT_NE(r.out.find(option), std::string::npos) << flag << " does not list " << option;
  }
}

TEST(CorraldCommandLine, BadCommandLinesExitTwoWithAReason) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const Case cases[] = {
      {{"--bogus"}, "--bogus"},
      {{"--config"}, "--config"},
      {{"--client-timeout", "soon"}, "--client-timeout"},
      {{"--client-timeout", "0"}, "--client-timeout"},
      {{"stray-argument"}, "stray-argument"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv{kCorrald};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto r = run(argv);
    EXPECT_EQ(r.exit_code, 2) << c.args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(CorraldCommandLine, ConfigOptionIsReadShortAndLong) {
  // A missing config is a runtime error (1) naming the file, not a usage error:
  // both spellings reach the config loader, and --foreground/-f are accepted.
  const std::string missing = "/nonexistent/corral-cli-test-" + std::to_string(::getpid()) + ".toml";
  for (const auto& argv : {std::vector<std::string>{kCorrald, "--config", missing, "--foreground"},
                           std::vector<std::string>{kCorrald, "-c", missing, "-f"},
                           std::vector<std::string>{kCorrald, "--config=" + missing}}) {
    auto r = run(argv);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace corral::testing
