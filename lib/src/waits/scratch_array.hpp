// SPDX-License-Identifier: Apache-2.0
// ScratchArray<T>: an uninitialised array for one algorithm pass, backed by huge
// pages when it is large.
//
// The SCC pass visits its node records in the order of the graph's edges, which on a
// large graph is random: with 4 KiB pages nearly every step misses the TLB as well as
// the cache, and the page walk costs as much as the miss. Debian's kernels run
// transparent huge pages in "madvise" mode, so a large array asks for them
// (MADV_HUGEPAGE on a 2 MiB-aligned mapping). Where the kernel has none to give, the
// mapping stays in 4 KiB pages and only the speed differs. Small arrays come from the
// heap: a mapping of their own would cost more than it saves.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

namespace corral::waits {

template <typename T>
class ScratchArray {
  static_assert(std::is_trivially_default_constructible_v<T> && std::is_trivially_destructible_v<T>);

 public:
  explicit ScratchArray(std::size_t count) {
    const std::size_t bytes = count * sizeof(T);
    if (bytes >= kMapFrom) {
      map_bytes_ = (bytes + kHugePage - 1) / kHugePage * kHugePage + kHugePage;  // room to align
      void* base = ::mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (base != MAP_FAILED) {
        map_ = base;
        const auto addr = reinterpret_cast<std::uintptr_t>(base);
        auto* aligned = reinterpret_cast<void*>((addr + kHugePage - 1) / kHugePage * kHugePage);
        ::madvise(aligned, bytes, MADV_HUGEPAGE);  // advice only: 4 KiB pages still work
        data_ = static_cast<T*>(aligned);
        return;
      }
    }
    heap_.reset(new T[count]);
    data_ = heap_.get();
  }
  ~ScratchArray() {
    if (map_) ::munmap(map_, map_bytes_);
  }
  ScratchArray(const ScratchArray&) = delete;
  ScratchArray& operator=(const ScratchArray&) = delete;

  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }

 private:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  static constexpr std::size_t kMapFrom = 4 * kHugePage;  // below: the heap is cheaper

  std::unique_ptr<T[]> heap_;
  void* map_ = nullptr;
  std::size_t map_bytes_ = 0;
  T* data_ = nullptr;
};

}  // namespace corral::waits
