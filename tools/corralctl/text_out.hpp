// SPDX-License-Identifier: Apache-2.0
// Output helpers for the inspection commands: a column table that fits a width,
// display-width-aware truncation (UTF-8 tree lines), and JSON string escaping for
// the hand-written JSON of `ps --json` (thousands of rows; no DOM needed).
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace corral::ctl {

// Characters on screen (UTF-8 code points; continuation bytes do not count).
std::size_t display_width(std::string_view s);
// Cuts s to at most width display characters (0 = no limit).
void truncate_display(std::string& s, std::size_t width);

// Appends s as a JSON string literal (with quotes).
void append_json_string(std::string& out, std::string_view s);

class Table {
 public:
  // right[i]: align column i to the right (numbers).
  Table(std::vector<std::string> headers, std::vector<bool> right);
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // Cells are padded to the widest entry; the last column (a free-text one) is cut
  // so each line fits `width` (0 = no limit).
  void print(std::FILE* out, std::size_t width) const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace corral::ctl
