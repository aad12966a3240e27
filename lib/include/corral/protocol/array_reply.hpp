// SPDX-License-Identifier: Apache-2.0
// The line of Response::success(array) as encode() writes it,
// {"data":[ITEM,ITEM,...],"ok":true,"v":1} and '\n', for the replies whose items
// are written straight as text (status, jobs) instead of as a JSON tree: with
// thousands of items the tree cost more than the rest of the request (issues 13, 14).
#pragma once

#include <cstddef>
#include <string>

namespace corral::protocol {

class ArrayReplyWriter {
 public:
  ArrayReplyWriter();
  void reserve(std::size_t bytes) { line_.reserve(line_.size() + bytes + 32); }
  // The line, with the separator written: append the next item's JSON to it.
  std::string& next_item() {
    if (!first_) line_ += ',';
    first_ = false;
    return line_;
  }
  // The whole reply line, ending with '\n'. The writer is spent afterwards.
  std::string finish();

 private:
  std::string line_;
  bool first_ = true;
};

}  // namespace corral::protocol
