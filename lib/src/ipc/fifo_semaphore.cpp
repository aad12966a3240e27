// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/fifo_semaphore.hpp"

#include <boost/interprocess/sync/scoped_lock.hpp>

namespace corral::ipc {

using Lock = boost::interprocess::scoped_lock<boost::interprocess::interprocess_mutex>;

std::int64_t FifoSemaphore::wait() {
  Lock l(mutex_);
  const std::int64_t v = --value_;
  if (v < 0) {
    const std::uint64_t ticket = next_ticket_++;
    // Mesa semantics: re-check after every wake-up (while, not if).
    while (served_ <= ticket) cond_.wait(l);
  }
  return v;
}

bool FifoSemaphore::try_wait() {
  Lock l(mutex_);
  if (value_ <= 0) return false;
  --value_;
  return true;
}

std::int64_t FifoSemaphore::signal() {
  Lock l(mutex_);
  const std::int64_t v = ++value_;
  if (v <= 0) {
    ++served_;
    // Every waiter wakes and checks its ticket; only the oldest one passes.
    cond_.notify_all();
  }
  return v;
}

std::int64_t FifoSemaphore::value() const {
  Lock l(mutex_);
  return value_;
}

}  // namespace corral::ipc
