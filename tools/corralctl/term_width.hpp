// SPDX-License-Identifier: Apache-2.0
// How wide human output may be: the terminal's width when stdout is a tty
// (TIOCGWINSZ), else $COLUMNS when set, else unlimited (0) so pipes get whole lines.
#pragma once

#include <cstddef>

namespace corral::ctl {
std::size_t output_width();
}  // namespace corral::ctl
