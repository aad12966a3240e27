// SPDX-License-Identifier: Apache-2.0
// A strong (FIFO) counting semaphore for processes, kept in shared memory.
// It counts the textbook way: wait() decrements and blocks when the value goes
// below zero, so a negative value is the number of blocked processes; signal()
// increments and, when the result is <= 0, releases the longest-waiting process.
// FIFO comes from tickets: each blocked waiter takes the next ticket and passes
// only when `served` has gone past it, whatever order the condition variable
// happens to wake processes in.
#pragma once

#include <cstdint>

#include <boost/interprocess/sync/interprocess_condition.hpp>
#include <boost/interprocess/sync/interprocess_mutex.hpp>

namespace corral::ipc {

class FifoSemaphore {
 public:
  explicit FifoSemaphore(std::int64_t initial) : value_(initial) {}
  FifoSemaphore(const FifoSemaphore&) = delete;
  FifoSemaphore& operator=(const FifoSemaphore&) = delete;

  // Returns the value right after this wait's decrement (negative = it blocked).
  std::int64_t wait();
  // Passes only when the value is positive and nobody is queued.
  bool try_wait();
  // Returns the value right after the increment.
  std::int64_t signal();
  std::int64_t value() const;

 private:
  mutable boost::interprocess::interprocess_mutex mutex_;
  boost::interprocess::interprocess_condition cond_;
  std::int64_t value_;
  std::uint64_t next_ticket_ = 0;  // handed to blocked waiters in arrival order
  std::uint64_t served_ = 0;       // tickets below this have been released
};

}  // namespace corral::ipc
