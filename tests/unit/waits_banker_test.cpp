// SPDX-License-Identifier: Apache-2.0
// The banker's algorithm and multi-instance detection on the textbook's examples.
#include <gtest/gtest.h>

#include "corral/waits/banker.hpp"

using namespace corral::waits;

namespace {

// The textbook gives rows = resources, columns = processes; transpose to [process][resource].
Mat columns(const Mat& rows) {
  Mat out(rows.at(0).size(), Vec(rows.size()));
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t p = 0; p < rows[r].size(); ++p) out[p][r] = rows[r][p];
  return out;
}

BankerState textbook_state() {
  BankerState s;
  s.total = {9, 3, 6};
  s.claim = columns({{3, 6, 3, 4}, {2, 1, 1, 2}, {2, 3, 4, 2}});
  s.alloc = columns({{1, 6, 2, 0}, {0, 1, 1, 0}, {0, 2, 1, 2}});
  return s;
}

}  // namespace

TEST(Banker, TextbookAvailableIs011) {
  EXPECT_EQ(textbook_state().available(), (Vec{0, 1, 1}));
}

TEST(Banker, TextbookStateIsSafeInOrderP2P1P3P4) {
  auto order = banker_safe_sequence(textbook_state());
  ASSERT_TRUE(order.has_value());
  EXPECT_EQ(*order, (std::vector<std::size_t>{1, 0, 2, 3}));
}

TEST(Banker, UnsafeRequestIsDeferredThenGrantedAfterRelease) {
  BankerState s = textbook_state();
  // P1 asks for one R2 and one R3: available (0,1,1) covers it, but afterwards nobody can
  // finish (P2 needs one more R3), so the banker defers it.
  EXPECT_EQ(banker_request(s, 0, {0, 1, 1}), BankerDecision::kMustWait);
  EXPECT_EQ(s.alloc[0], (Vec{1, 0, 0}));  // nothing granted
  // P2 may take its last R3 (safe), runs to completion and releases everything.
  EXPECT_EQ(banker_request(s, 1, {0, 0, 1}), BankerDecision::kGranted);
  banker_release(s, 1, {6, 1, 3});
  EXPECT_EQ(s.available(), (Vec{6, 2, 3}));
  // Now the deferred request is safe and granted.
  EXPECT_EQ(banker_request(s, 0, {0, 1, 1}), BankerDecision::kGranted);
  EXPECT_EQ(s.alloc[0], (Vec{1, 1, 1}));
  EXPECT_TRUE(banker_safe_sequence(s).has_value());
}

TEST(Banker, RequestBeyondClaimIsInvalidAndBeyondAvailableWaits) {
  BankerState s = textbook_state();
  EXPECT_EQ(banker_request(s, 1, {1, 0, 0}), BankerDecision::kInvalid);  // P2 claims 6 R1, holds 6
  EXPECT_EQ(banker_request(s, 3, {1, 0, 0}), BankerDecision::kMustWait);  // no R1 available
}

TEST(Banker, MalformedStateIsNotSafe) {
  BankerState s = textbook_state();
  s.alloc[0].pop_back();
  EXPECT_FALSE(banker_safe_sequence(s).has_value());
  BankerState over = textbook_state();
  over.alloc[0][0] = 9;  // more allocated than exists
  EXPECT_FALSE(banker_safe_sequence(over).has_value());
}

TEST(MultiInstanceDetection, TwoProcessesEachHoldingWhatTheOtherRequests) {
  // P1 holds A and wants B; P2 holds B and wants A; nothing available.
  auto dead = detect_multi_instance({0, 0}, {{1, 0}, {0, 1}}, {{0, 1}, {1, 0}});
  EXPECT_EQ(dead, (std::vector<std::size_t>{0, 1}));
}

TEST(MultiInstanceDetection, SpareInstanceBreaksTheDeadlock) {
  // Two instances of R, one free: whoever asks can proceed.
  auto dead = detect_multi_instance({1, 0}, {{1, 0}, {0, 1}}, {{0, 1}, {1, 0}});
  EXPECT_TRUE(dead.empty());
}

TEST(MultiInstanceDetection, StallingsExampleDeadlocksP1AndP2) {
  // Stallings' detection example: 4 processes, 5 resources; P4 holds nothing, P3 can
  // finish, and then P1 and P2 still cannot.
  Vec available{0, 0, 0, 0, 1};
  Mat alloc{{1, 0, 1, 1, 0}, {1, 1, 0, 0, 0}, {0, 0, 0, 1, 0}, {0, 0, 0, 0, 0}};
  Mat request{{0, 1, 0, 0, 1}, {0, 0, 1, 0, 1}, {0, 0, 0, 0, 1}, {1, 0, 1, 0, 1}};
  EXPECT_EQ(detect_multi_instance(available, alloc, request), (std::vector<std::size_t>{0, 1}));
}
