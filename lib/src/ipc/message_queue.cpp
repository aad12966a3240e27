// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/message_queue.hpp"

#include <fcntl.h>
#include <mqueue.h>
#include <time.h>

#include <boost/interprocess/ipc/message_queue.hpp>

namespace bi = boost::interprocess;

namespace corral::ipc {

namespace {

class BoostQueue final : public MessageQueue {
 public:
  BoostQueue(const std::string& name, std::size_t n, std::size_t size)
      : name_(name), q_(bi::create_only, name.c_str(), n, size) {}

  Status send(const void* d, std::size_t n, unsigned p) override {
    try {
      q_.send(d, n, p);
      return {};
    } catch (const std::exception& e) {
      return Error::logic("send to message_queue " + name_ + ": " + e.what());
    }
  }
  Result<std::size_t> receive(void* b, std::size_t cap, unsigned& p) override {
    try {
      bi::message_queue::size_type got = 0;
      q_.receive(b, cap, got, p);
      return static_cast<std::size_t>(got);
    } catch (const std::exception& e) {
      return Error::logic("receive from message_queue " + name_ + ": " + e.what());
    }
  }
  Result<bool> try_send(const void* d, std::size_t n, unsigned p) override {
    try {
      return q_.try_send(d, n, p);
    } catch (const std::exception& e) {
      return Error::logic("send to message_queue " + name_ + ": " + e.what());
    }
  }
  Result<bool> try_receive(void* b, std::size_t cap, std::size_t& size, unsigned& p) override {
    try {
      bi::message_queue::size_type got = 0;
      const bool ok = q_.try_receive(b, cap, got, p);
      size = got;
      return ok;
    } catch (const std::exception& e) {
      return Error::logic("receive from message_queue " + name_ + ": " + e.what());
    }
  }
  std::size_t max_message_size() const override { return q_.get_max_msg_size(); }

 private:
  std::string name_;
  bi::message_queue q_;
};

class PosixQueue final : public MessageQueue {
 public:
  PosixQueue(std::string name, mqd_t q, std::size_t size) : name_(std::move(name)), q_(q), size_(size) {}
  ~PosixQueue() override { ::mq_close(q_); }

  Status send(const void* d, std::size_t n, unsigned p) override {
    while (::mq_send(q_, static_cast<const char*>(d), n, p) != 0)
      if (errno != EINTR) return errno_error("mq_send " + name_);
    return {};
  }
  Result<std::size_t> receive(void* b, std::size_t cap, unsigned& p) override {
    for (;;) {
      const ssize_t n = ::mq_receive(q_, static_cast<char*>(b), cap, &p);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return errno_error("mq_receive " + name_);
    }
  }
  // A timeout already in the past makes the timed calls non-blocking without
  // touching O_NONBLOCK, which forked children share through one description.
  Result<bool> try_send(const void* d, std::size_t n, unsigned p) override {
    const timespec past{0, 0};
    if (::mq_timedsend(q_, static_cast<const char*>(d), n, p, &past) == 0) return true;
    if (errno == ETIMEDOUT || errno == EAGAIN || errno == EINTR) return false;
    return errno_error("mq_timedsend " + name_);
  }
  Result<bool> try_receive(void* b, std::size_t cap, std::size_t& size, unsigned& p) override {
    const timespec past{0, 0};
    const ssize_t n = ::mq_timedreceive(q_, static_cast<char*>(b), cap, &p, &past);
    if (n >= 0) {
      size = static_cast<std::size_t>(n);
      return true;
    }
    if (errno == ETIMEDOUT || errno == EAGAIN || errno == EINTR) return false;
    return errno_error("mq_timedreceive " + name_);
  }
  std::size_t max_message_size() const override { return size_; }

 private:
  std::string name_;
  mqd_t q_;
  std::size_t size_;
};

}  // namespace

const char* to_string(MqBackend b) { return b == MqBackend::boost ? "boost" : "posix"; }

Result<std::unique_ptr<MessageQueue>> create_message_queue(MqBackend backend, const std::string& name,
                                                           std::size_t max_messages, std::size_t message_size) {
  if (backend == MqBackend::boost) {
    try {
      return std::unique_ptr<MessageQueue>(std::make_unique<BoostQueue>(name, max_messages, message_size));
    } catch (const std::exception& e) {
      return Error::logic("create message_queue " + name + ": " + e.what());
    }
  }
  mq_attr attr{};
  attr.mq_maxmsg = static_cast<long>(max_messages);
  attr.mq_msgsize = static_cast<long>(message_size);
  const std::string path = "/" + name;
  const mqd_t q = ::mq_open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &attr);
  if (q == static_cast<mqd_t>(-1))
    return errno_error("mq_open " + path + " (maxmsg " + std::to_string(max_messages) + ", msgsize " +
                       std::to_string(message_size) + "; see /proc/sys/fs/mqueue)");
  return std::unique_ptr<MessageQueue>(std::make_unique<PosixQueue>(path, q, message_size));
}

}  // namespace corral::ipc
