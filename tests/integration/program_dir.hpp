// SPDX-License-Identifier: Apache-2.0
// Where the integration tests find the programs they drive (corrald, corralctl,
// the demos, the test helpers): this build's tree, or the tree of another build
// of the same sources named by CORRAL_TEST_PROGRAM_DIR. scripts/sanitized-tests.sh
// sets it to run these tests against sanitized programs without compiling the
// tests a second time.
#pragma once

#include <cstdlib>
#include <string>

namespace corral::testing {

inline const std::string& program_dir() {
  static const std::string dir = [] {
    const char* other = std::getenv("CORRAL_TEST_PROGRAM_DIR");
    return std::string(other != nullptr && *other != '\0' ? other : CORRAL_BIN_DIR);
  }();
  return dir;
}

}  // namespace corral::testing
