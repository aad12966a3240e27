// SPDX-License-Identifier: Apache-2.0
// One interface over the two message-queue primitives the mqueue demo compares:
// Boost.Interprocess message_queue (a ring in shared memory with a mutex and two
// conditions, in /dev/shm) and POSIX mq_* (a kernel queue, in /dev/mqueue).
// Both order by priority (highest first) and are FIFO within one priority.
// A queue object made in the parent keeps working in forked children.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "corral/base/result.hpp"

namespace corral::ipc {

enum class MqBackend { boost, posix };
const char* to_string(MqBackend b);

class MessageQueue {
 public:
  virtual ~MessageQueue() = default;
  // Blocking send/receive: block while full / empty, like the textbook's
  // blocking send and receive with buffering.
  virtual Status send(const void* data, std::size_t size, unsigned priority) = 0;
  virtual Result<std::size_t> receive(void* buf, std::size_t capacity, unsigned& priority) = 0;
  // Non-blocking tries: false / 0-with-flag when full / empty, so callers can
  // count and trace the times they are about to block.
  virtual Result<bool> try_send(const void* data, std::size_t size, unsigned priority) = 0;
  virtual Result<bool> try_receive(void* buf, std::size_t capacity, std::size_t& size, unsigned& priority) = 0;
  virtual std::size_t max_message_size() const = 0;
};

// Creates a new queue (fails if the name exists). name has no leading '/'.
Result<std::unique_ptr<MessageQueue>> create_message_queue(MqBackend backend, const std::string& name,
                                                           std::size_t max_messages, std::size_t message_size);

}  // namespace corral::ipc
