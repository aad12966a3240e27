// SPDX-License-Identifier: Apache-2.0
// The demo programs' entry points. Each examples/corral-demo-NAME.cpp defines
// NAME_main (dashes become underscores), and the program corral-demo-NAME is
// demo_main.cpp calling it. The six sources are one library, compiled as one
// translation unit in a unity build: CLI11 2.1's header alone costs about 8 s
// of -O2 (45 s of a sanitized build) in every translation unit that includes
// it, for the validators it defines at namespace scope, and the demos share
// most of the option-parsing code it instantiates.
#pragma once

namespace corral::demos {

int deadlock_main(int argc, char** argv);
int mqueue_main(int argc, char** argv);
int philosophers_main(int argc, char** argv);
int prodcons_main(int argc, char** argv);
int readers_writers_main(int argc, char** argv);
int semaphore_main(int argc, char** argv);

}  // namespace corral::demos
