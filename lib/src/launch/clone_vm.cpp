// SPDX-License-Identifier: Apache-2.0
#include "clone_vm.hpp"

#include <sys/syscall.h>

#include <cerrno>

#if defined(__SANITIZE_ADDRESS__)
#define CORRAL_CLONE_VM 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORRAL_CLONE_VM 0
#endif
#endif
#if !defined(CORRAL_CLONE_VM) && defined(__x86_64__)
#define CORRAL_CLONE_VM 1
#endif
#ifndef CORRAL_CLONE_VM
#define CORRAL_CLONE_VM 0
#endif

#if CORRAL_CLONE_VM
static_assert(SYS_clone3 == 435 && SYS_exit == 60, "x86_64 system call numbers");

// long corral_launch_clone3_vm(args=%rdi, size=%rsi, fn=%rdx, arg=%rcx)
// The syscall instruction keeps every register but rax, rcx and r11, so fn and
// arg survive into the child in rdx and r8. The child clears the frame pointer
// (the outermost frame), aligns its new stack as the ABI wants for a call, runs
// fn(arg) and exits the thread with its result; fn never returns in practice.
asm(R"(
  .text
  .globl corral_launch_clone3_vm
  .hidden corral_launch_clone3_vm
  .type corral_launch_clone3_vm, @function
  .p2align 4
corral_launch_clone3_vm:
  mov %rcx, %r8
  mov $435, %eax
  syscall
  test %rax, %rax
  jz 1f
  ret
1:
  xor %ebp, %ebp
  and $-16, %rsp
  mov %r8, %rdi
  call *%rdx
  mov %eax, %edi
  mov $60, %eax
  syscall
  hlt
  .size corral_launch_clone3_vm, .-corral_launch_clone3_vm
)");

extern "C" long corral_launch_clone3_vm(void* args, std::size_t size, int (*fn)(void*), void* arg);
#endif

namespace corral::launch {

bool clone3_vm_supported() { return CORRAL_CLONE_VM != 0; }

long clone3_vm_call([[maybe_unused]] void* args, [[maybe_unused]] std::size_t size,
                    [[maybe_unused]] int (*fn)(void*), [[maybe_unused]] void* arg) {
#if CORRAL_CLONE_VM
  return corral_launch_clone3_vm(args, size, fn, arg);
#else
  return -ENOSYS;
#endif
}

}  // namespace corral::launch
