// SPDX-License-Identifier: Apache-2.0
// The BPF program of a filter setting, built once. libseccomp needs ~10 ms to
// build and export @system-service for three architectures (948 instructions),
// which used to be paid before every fork; a restart of the same service with the
// same filter now reuses the exported program. The cache is keyed by the whole
// FilterConfig (the resolved syscalls, the action and the mode), so a reload that
// changes a service's filter misses it and builds the new program: nothing needs
// to invalidate it by hand.
#pragma once

#include <cstddef>
#include <memory>

#include "corral/base/result.hpp"
#include "corral/seccomp/bpf_program.hpp"
#include "corral/seccomp/filter_spec.hpp"

namespace corral::seccomp {

// The program for config, built with build_filter on the first call and shared
// afterwards. Thread-safe. Errors are not cached (the next call tries again).
Result<std::shared_ptr<const BpfProgram>> cached_filter(const FilterConfig& config);

// How many programs are kept, and how many were built since the start (tests
// and `show` use these to see that a restart did not rebuild).
std::size_t cached_filter_count();
std::size_t filter_builds();

}  // namespace corral::seccomp
