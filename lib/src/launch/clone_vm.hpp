// SPDX-License-Identifier: Apache-2.0
// clone3 with a child that starts on its own stack in a function (as glibc's
// internal __clone3 does; glibc 2.36 does not export it). A raw syscall() cannot
// do this with CLONE_VM: the child would return into the launcher's stack frame
// while the launcher still uses it.
#pragma once

#include <cstddef>

namespace corral::launch {

// Whether clone3_vm_call exists on this build (x86_64, no AddressSanitizer).
bool clone3_vm_supported();

// clone3(args, size); the child calls fn(arg) on args->stack and exits with its
// return value. Returns the child's pid to the parent, or -errno.
long clone3_vm_call(void* args, std::size_t size, int (*fn)(void*), void* arg);

}  // namespace corral::launch
