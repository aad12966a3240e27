// SPDX-License-Identifier: Apache-2.0
// Reads a /proc fixture file (tests/fixtures/proc/...) for the parser tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "corral/base/file_read.hpp"

namespace corral::proc::testing {

inline std::string proc_fixture(const std::string& rel) {
  auto text = read_file(std::string(CORRAL_FIXTURES_DIR) + "/proc/" + rel);
  EXPECT_TRUE(text.ok()) << rel << ": " << (text.ok() ? "" : text.error().message);
  return text.ok() ? *text : std::string();
}

}  // namespace corral::proc::testing
