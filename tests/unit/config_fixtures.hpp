// SPDX-License-Identifier: Apache-2.0
// Where the config loader tests find their fixture trees.
#pragma once

#include <string>

inline const std::string kConfigFixtures = std::string(CORRAL_FIXTURES_DIR) + "/config/";
