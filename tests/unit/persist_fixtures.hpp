// SPDX-License-Identifier: Apache-2.0
// The saved state files of each format version (tests/fixtures/persist).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

inline std::string persist_fixture(const std::string& name) {
  std::ifstream in(std::string(CORRAL_FIXTURES_DIR) + "/persist/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
