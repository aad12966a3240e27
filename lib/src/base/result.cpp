// SPDX-License-Identifier: Apache-2.0
#include "corral/base/result.hpp"

#include <cstring>

namespace corral {

Error Error::from_errno(int code, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += std::strerror(code);
  return Error{code, std::move(msg)};
}

Error Error::logic(std::string message, int code) { return Error{code, std::move(message)}; }

}  // namespace corral
