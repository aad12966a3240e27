// SPDX-License-Identifier: Apache-2.0
#include "text_out.hpp"

#include <algorithm>

namespace corral::ctl {

std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

void truncate_display(std::string& s, std::size_t width) {
  if (width == 0) return;
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == width) {
        s.resize(i);
        return;
      }
      ++n;
    }
  }
}

void append_json_string(std::string& out, std::string_view s) {
  // Runs of bytes that need no escape are appended whole: byte by byte appends
  // were a quarter of `ps --json`'s user time (issue 13).
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: {
        static const char* hex = "0123456789abcdef";
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
  }
  out.append(s.data() + run, s.size() - run);  // UTF-8 passes through; /proc text that is not UTF-8 stays bytes
  out += '"';
}

Table::Table(std::vector<std::string> headers, std::vector<bool> right)
    : headers_(std::move(headers)), right_(std::move(right)) {
  right_.resize(headers_.size(), false);
}

void Table::print(std::FILE* out, std::size_t width) const {
  const std::size_t cols = headers_.size();
  std::vector<std::size_t> w(cols, 0);
  for (std::size_t i = 0; i < cols; ++i) w[i] = display_width(headers_[i]);
  for (const auto& r : rows_)
    for (std::size_t i = 0; i + 1 < cols && i < r.size(); ++i) w[i] = std::max(w[i], display_width(r[i]));

  std::string line;
  auto emit = [&](const std::vector<std::string>& cells) {
    line.clear();
    for (std::size_t i = 0; i < cols; ++i) {
      std::string_view cell = i < cells.size() ? std::string_view(cells[i]) : std::string_view();
      if (i + 1 == cols) {
        line += cell;
        break;
      }
      std::size_t pad = w[i] - std::min(w[i], display_width(cell));
      if (right_[i]) line.append(pad, ' ');
      line += cell;
      if (!right_[i]) line.append(pad, ' ');
      line += ' ';
    }
    truncate_display(line, width);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out);
  };
  emit(headers_);
  for (const auto& r : rows_) emit(r);
}

}  // namespace corral::ctl
