// SPDX-License-Identifier: Apache-2.0
// libFuzzer entry point: see run_proc_input in fuzz_inputs.hpp.
#include "fuzz_inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  corral::fuzz::run_proc_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
