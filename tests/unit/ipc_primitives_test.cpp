// SPDX-License-Identifier: Apache-2.0
// lib/ipc building blocks: names, the strong semaphore's textbook counting and
// FIFO order, the children supervisor, the cleanup list and both queue backends.
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <new>
#include <set>
#include <thread>

#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <gtest/gtest.h>

#include "corral/ipc/checksum.hpp"
#include "corral/ipc/children.hpp"
#include "corral/ipc/fifo_semaphore.hpp"
#include "corral/ipc/ipc_names.hpp"
#include "corral/ipc/message_queue.hpp"
#include "corral/ipc/run_name.hpp"

namespace bi = boost::interprocess;
using namespace corral::ipc;
using namespace std::chrono_literals;

TEST(IpcRunName, CarriesPidAndDiffersBetweenCalls) {
  const std::string a = unique_run_name("prodcons"), b = unique_run_name("prodcons");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("corral-prodcons-" + std::to_string(::getpid()) + "-", 0), 0u) << a;
}

TEST(IpcChecksum, NoticesOneChangedByte) {
  unsigned char buf[64];
  fill_pattern(buf, sizeof buf, 1, 2);
  const auto h = fnv1a(buf, sizeof buf);
  buf[31] ^= 1;
  EXPECT_NE(h, fnv1a(buf, sizeof buf));
}

TEST(IpcFifoSemaphore, CountsTheTextbookWay) {
  FifoSemaphore s(3);
  EXPECT_EQ(s.wait(), 2);
  EXPECT_EQ(s.wait(), 1);
  EXPECT_EQ(s.wait(), 0);
  EXPECT_FALSE(s.try_wait());
  EXPECT_EQ(s.signal(), 1);
  EXPECT_TRUE(s.try_wait());
  EXPECT_EQ(s.value(), 0);
}

TEST(IpcFifoSemaphore, WakesBlockedProcessesInArrivalOrder) {
  struct Shared {
    FifoSemaphore sem{0};
    std::atomic<int> order[4];
    std::atomic<int> next{0};
  };
  void* mem = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  auto* sh = new (mem) Shared();
  Children kids;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(kids.spawn("w" + std::to_string(i), [sh, i] {
      sh->sem.wait();
      sh->order[sh->next.fetch_add(1)] = i;
      return 0;
    }));
    // Arrival order is made certain: the next one starts only after this one queued.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (sh->sem.value() != -(i + 1) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    ASSERT_EQ(sh->sem.value(), -(i + 1));
  }
  for (int i = 0; i < 4; ++i) {
    sh->sem.signal();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (sh->next.load() != i + 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(kids.wait_all(10s).outcome, WaitOutcome::all_exited);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(sh->order[i].load(), i);
  ::munmap(mem, sizeof(Shared));
}

TEST(IpcChildren, ReportsAFailedChildAndAHungOne) {
  Children kids;
  ASSERT_TRUE(kids.spawn("ok", [] { return 0; }));
  ASSERT_TRUE(kids.spawn("bad", [] { return 3; }));
  auto w = kids.wait_all(10s);
  if (w.outcome == WaitOutcome::child_failed) {
    ASSERT_EQ(w.failed.size(), 1u);
    EXPECT_NE(w.failed[0].describe().find("bad"), std::string::npos);
    EXPECT_NE(w.failed[0].describe().find("exited with code 3"), std::string::npos);
  } else {
    ADD_FAILURE() << "expected child_failed, got " << to_string(w.outcome);
  }
  Children more;
  ASSERT_TRUE(more.spawn("sleeper", [] {
    ::pause();
    return 0;
  }));
  EXPECT_EQ(more.wait_all(200ms).outcome, WaitOutcome::timed_out);
  EXPECT_EQ(more.running(), 1u);
  more.kill_all();
  EXPECT_EQ(more.running(), 0u);
}

TEST(IpcNamesList, RemovesWhatItRecorded) {
  const std::string name = unique_run_name("unit");
  {
    IpcNames names;
    names.add(IpcNames::Kind::boost_shm, name);
    bi::managed_shared_memory seg(bi::create_only, name.c_str(), 65536);
  }
  // Gone: opening it again must fail.
  EXPECT_THROW(bi::shared_memory_object(bi::open_only, name.c_str(), bi::read_only), bi::interprocess_exception);
}

class IpcQueue : public ::testing::TestWithParam<MqBackend> {};

TEST_P(IpcQueue, HighestPriorityFirstAndFifoWithinOne) {
  IpcNames names;
  const std::string name = unique_run_name("unitq");
  names.add(GetParam() == MqBackend::boost ? IpcNames::Kind::boost_mq : IpcNames::Kind::posix_mq, name);
  auto q = create_message_queue(GetParam(), name, 8, 16);
  ASSERT_TRUE(q) << q.error().message;
  char buf[16];
  std::size_t size = 0;
  unsigned prio = 0;
  auto empty = (*q)->try_receive(buf, sizeof buf, size, prio);
  ASSERT_TRUE(empty);
  EXPECT_FALSE(*empty);
  const struct {
    char tag;
    unsigned prio;
  } sent[] = {{'a', 1}, {'b', 3}, {'c', 1}, {'d', 2}, {'e', 3}};
  for (auto s : sent) ASSERT_TRUE((*q)->send(&s.tag, 1, s.prio));
  std::string got;
  for (int i = 0; i < 5; ++i) {
    auto n = (*q)->receive(buf, sizeof buf, prio);
    ASSERT_TRUE(n);
    got += buf[0];
  }
  EXPECT_EQ(got, "bedac");
}

INSTANTIATE_TEST_SUITE_P(Backends, IpcQueue, ::testing::Values(MqBackend::boost, MqBackend::posix),
                         [](const auto& info) { return std::string(to_string(info.param)); });
