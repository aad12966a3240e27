// SPDX-License-Identifier: Apache-2.0
// Result<T>: the library's error channel. Library code never throws across its API;
// it returns a value or an Error that carries the errno and a message naming the
// object that failed ("open /proc/42/stat: No such file or directory").
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace corral {

struct Error {
  int code = 0;         // errno value, or 0 when the failure is not a system error
  std::string message;  // human text, already naming the object and the step

  // "what: strerror(code)" — the canonical way to build a system error.
  static Error from_errno(int code, std::string_view what);
  // A non-system failure (bad input, parse error), code 0 unless given.
  static Error logic(std::string message, int code = 0);
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}           // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}       // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

// Shorthand for returning the current errno from a failed syscall.
inline Error errno_error(std::string_view what) { return Error::from_errno(errno, what); }

}  // namespace corral
