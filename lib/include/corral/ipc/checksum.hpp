// SPDX-License-Identifier: Apache-2.0
// FNV-1a: a cheap checksum so a consumer or reader can tell a whole record from a
// torn or corrupted one. Not cryptographic; it only has to notice mixed halves.
#pragma once

#include <cstddef>
#include <cstdint>

namespace corral::ipc {

inline std::uint64_t fnv1a(const void* data, std::size_t n, std::uint64_t h = 1469598103934665603ULL) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

// Fills buf with bytes derived from (a, b) so each item's payload is distinct.
inline void fill_pattern(unsigned char* buf, std::size_t n, std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = (a * 0x9E3779B97F4A7C15ULL) ^ (b + 0x632BE59BD9B4E019ULL);
  for (std::size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    buf[i] = static_cast<unsigned char>(x);
  }
}

}  // namespace corral::ipc
