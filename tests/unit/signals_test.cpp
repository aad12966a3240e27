// SPDX-License-Identifier: Apache-2.0
#include "corral/base/signals.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace corral {
namespace {

TEST(Signals, ParsesNamesNumbersAndCase) {
  EXPECT_EQ(parse_signal("TERM"), SIGTERM);
  EXPECT_EQ(parse_signal("SIGTERM"), SIGTERM);
  EXPECT_EQ(parse_signal("term"), SIGTERM);
  EXPECT_EQ(parse_signal("sigTerm"), SIGTERM);
  EXPECT_EQ(parse_signal("15"), SIGTERM);
  EXPECT_EQ(parse_signal("KILL"), SIGKILL);
  EXPECT_EQ(parse_signal("9"), SIGKILL);
  EXPECT_EQ(parse_signal("hup"), SIGHUP);
  EXPECT_EQ(parse_signal("SIGXCPU"), SIGXCPU);
}

TEST(Signals, Aliases) {
  EXPECT_EQ(parse_signal("IOT"), SIGABRT);
  EXPECT_EQ(parse_signal("SIGCLD"), SIGCHLD);
  EXPECT_EQ(parse_signal("POLL"), SIGIO);
}

TEST(Signals, RealTime) {
  EXPECT_EQ(parse_signal("RTMIN"), SIGRTMIN);
  EXPECT_EQ(parse_signal("SIGRTMIN+3"), SIGRTMIN + 3);
  EXPECT_EQ(parse_signal("rtmax-1"), SIGRTMAX - 1);
  EXPECT_EQ(parse_signal("RTMAX"), SIGRTMAX);
  EXPECT_EQ(parse_signal("RTMIN+100"), std::nullopt);
  EXPECT_EQ(parse_signal("RTMIN-1"), std::nullopt);
  EXPECT_EQ(signal_name(SIGRTMIN), "SIGRTMIN");
  EXPECT_EQ(signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
  EXPECT_EQ(signal_name(SIGRTMAX - 1), "SIGRTMAX-1");
  EXPECT_EQ(signal_name(SIGRTMAX), "SIGRTMAX");
}

TEST(Signals, RejectsNonSignals) {
  EXPECT_EQ(parse_signal(""), std::nullopt);
  EXPECT_EQ(parse_signal("0"), std::nullopt);
  EXPECT_EQ(parse_signal("-9"), std::nullopt);
  EXPECT_EQ(parse_signal("65"), std::nullopt);
  EXPECT_EQ(parse_signal("15x"), std::nullopt);
  EXPECT_EQ(parse_signal("SIG"), std::nullopt);
  EXPECT_EQ(parse_signal("TERMINATE"), std::nullopt);
  EXPECT_EQ(parse_signal("SIGSIGTERM"), std::nullopt);
}

TEST(Signals, Names) {
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
  EXPECT_EQ(signal_name(SIGSEGV), "SIGSEGV");
  EXPECT_EQ(signal_name(SIGABRT), "SIGABRT");  // the canonical name, not the IOT alias
  EXPECT_EQ(signal_name(0), "");
  EXPECT_EQ(signal_name(200), "");
}

TEST(Signals, EveryNamedSignalRoundTrips) {
  for (int s = 1; s <= SIGRTMAX; ++s) {
    auto name = signal_name(s);
    if (name.empty()) continue;  // glibc's reserved 32, 33
    EXPECT_EQ(parse_signal(name), s) << name;
  }
}

}  // namespace
}  // namespace corral
