// SPDX-License-Identifier: Apache-2.0
// main() of one demo program: CORRAL_DEMO_ENTRY names its entry point (set per
// program in examples/CMakeLists.txt).
#include "demo_entry_points.hpp"

int main(int argc, char** argv) { return corral::demos::CORRAL_DEMO_ENTRY(argc, argv); }
