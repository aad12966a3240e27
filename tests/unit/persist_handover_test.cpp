// SPDX-License-Identifier: Apache-2.0
// lib/persist: the re-exec hand-over's encode/decode (a round trip with bytes
// that are not UTF-8), the descriptors it names, and refusals that name the
// field, which make the new corrald take the crash path.
#include <gtest/gtest.h>

#include <algorithm>

#include "corral/persist/handover.hpp"

namespace {

using namespace corral::persist;

Handover sample() {
  Handover h;
  h.generation = 3;
  h.exec_wall_ms = 1764400000123;
  h.binary = "/usr/sbin/corrald";
  h.listen_fd = 7;
  h.services.push_back(HandoverService{"web", 9, 10, 11, -1, false, 12345});
  h.services.push_back(HandoverService{"old", 12, -1, -1, 14, true, -1});
  HandoverClient asker;
  asker.fd = 20;
  asker.requester = true;
  h.clients.push_back(asker);
  HandoverClient waiter;
  waiter.fd = 21;
  waiter.in = std::string("{\"command\":\"status\"}\n\xff\x00half", 28);
  waiter.out = "\x80\x81 not utf-8";
  waiter.pending = "stop";
  waiter.pending_names = {"web", "db@1"};
  waiter.no_block = true;
  h.clients.push_back(waiter);
  HandoverClient follower;
  follower.fd = 22;
  follower.follows = "web";
  h.clients.push_back(follower);
  h.run_commands["run-1"] = {"/bin/sleep", "100"};
  h.state.daemon_pid = 4242;
  h.state.written_ms = 1764400000000;
  ServiceRecord r;
  r.name = "web";
  r.pid = 1001;
  r.restarts = 2;
  r.history.push_back(ExitEntry{1764399999000, 1, 0, false, false, "exited with code 1", 500});
  h.state.services.push_back(r);
  return h;
}

TEST(PersistHandover, RoundTripsEveryFieldAndRawBytes) {
  const Handover h = sample();
  auto back = decode_handover(encode_handover(h));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, h);
  EXPECT_EQ(back->clients[1].in.size(), 28u);
}

TEST(PersistHandover, NamesEveryDescriptorOnce) {
  auto fds = handover_fds(sample());
  std::sort(fds.begin(), fds.end());
  EXPECT_EQ(fds, (std::vector<int>{7, 9, 10, 11, 12, 14, 20, 21, 22}));
}

TEST(PersistHandover, RefusesWhatItCannotRead) {
  auto torn = encode_handover(sample());
  torn.resize(torn.size() / 2);
  auto r = decode_handover(torn);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not a complete JSON document"), std::string::npos) << r.error().message;

  r = decode_handover("{\"format\":99}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("format 99"), std::string::npos) << r.error().message;

  std::string text = encode_handover(sample());
  auto at = text.find("\"fd\":21");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 7, "\"fd\":\"x\"");
  r = decode_handover(text);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("clients[1].fd: expected an integer"), std::string::npos) << r.error().message;

  text = encode_handover(sample());
  at = text.find("\"out\":\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 7, "\"out\":\"zz");
  r = decode_handover(text);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("out: expected hex digits"), std::string::npos) << r.error().message;
}

}  // namespace
