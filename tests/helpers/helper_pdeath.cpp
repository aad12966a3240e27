// SPDX-License-Identifier: Apache-2.0
// The middle process of the parent-death test: launches `sleep 1000` with a
// parent-death signal of SIGKILL, prints its pid on stdout, then waits for stdin
// to close and exits without reaping it, orphaning the grandchild.
// Usage: corral-test-pdeath [USER]   (USER: run the grandchild as that user)
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "corral/launch/launch.hpp"

int main(int argc, char** argv) {
  corral::launch::LaunchSpec spec;
  spec.argv = {"/bin/sleep", "1000"};
  spec.parent_death_signal = SIGKILL;
  spec.stdin_target = corral::launch::StdioTarget::null();
  spec.stdout_target = corral::launch::StdioTarget::null();
  if (argc > 1) spec.user = argv[1];
  auto launched = corral::launch::launch(spec);
  if (!launched) {
    std::fprintf(stderr, "corral-test-pdeath: %s\n", launched.error().message.c_str());
    return 1;
  }
  std::string line = std::to_string(launched->pid) + "\n";
  if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 1;
  char c;
  while (::read(0, &c, 1) > 0) {
  }
  return 0;
}
