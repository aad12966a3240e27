// SPDX-License-Identifier: Apache-2.0
// Replays every saved fuzzer finding (tests/fuzz/regressions/TARGET/*) through
// the same code the fuzz target runs, in the ordinary build (and in CI's
// sanitizer build): a fixed finding stays fixed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "../fuzz/fuzz_inputs.hpp"

namespace corral::fuzz {
namespace {

const std::string kRegressions = std::string(CORRAL_SOURCE_DIR) + "/tests/fuzz/regressions/";

int replay(const std::string& target, const std::function<void(std::string_view)>& run) {
  int n = 0;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(kRegressions + target, ec)) {
    std::ifstream f(e.path(), std::ios::binary);
    std::stringstream text;
    text << f.rdbuf();
    SCOPED_TRACE(e.path().string());
    run(text.str());
    ++n;
  }
  return n;
}

TEST(FuzzRegressions, ConfigInputsAreErrorsNotCrashes) {
  EXPECT_GE(replay("config", run_config_input), 3);
}

TEST(FuzzRegressions, ProtocolInputsAreErrorsNotCrashes) {
  EXPECT_GE(replay("request", run_request_input), 1);
  EXPECT_GE(replay("response", run_response_input), 1);
  EXPECT_GE(replay("log_chunk", run_log_chunk_input), 1);
  replay("proc", run_proc_input);
}

TEST(FuzzRegressions, TheKnownTomlppBugsAreRefusedWithAPlace) {
  run_config_input("[}");
  config::ConfigLoad l = config::load_config_collect(fuzz_dir() + "/corral.toml");
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_EQ(l.errors[0].line, 1u);
  EXPECT_EQ(l.errors[0].column, 2u);
}

}  // namespace
}  // namespace corral::fuzz
