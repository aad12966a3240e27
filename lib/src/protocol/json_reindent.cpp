// SPDX-License-Identifier: Apache-2.0
#include "corral/protocol/json_reindent.hpp"

#include <charconv>
#include <cstring>
#include <system_error>

#include "corral/protocol/json_text.hpp"

namespace corral::protocol {
namespace {


bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_lower(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
int hex_value(char c) { return is_digit(c) ? c - '0' : c - 'a' + 10; }

class Reindenter {
 public:
  Reindenter(std::string_view text, int indent, std::string& out) : text_(text), indent_(indent), out_(out) {}

  bool run_prefix(int depth, std::size_t& consumed) {
    skip_space();
    if (!value(depth)) return false;
    consumed = pos_;
    return true;
  }

  bool run(int depth) {
    skip_space();
    if (!value(depth)) return false;
    skip_space();
    return pos_ == text_.size();
  }

 private:
  void skip_space() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  void newline(int depth) {
    out_ += '\n';
    out_.append(static_cast<std::size_t>(depth * indent_), ' ');
  }

  bool value(int depth) {
    if (pos_ >= text_.size()) return false;
    switch (text_[pos_]) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': {
        std::string_view s;
        if (!string(s, false)) return false;
        out_.append(s);
        return true;
      }
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    out_.append(word);
    return true;
  }

  // A string token (with its quotes) in canonical form; `key`: no escapes at all.
  bool string(std::string_view& token, bool key) {
    const std::size_t start = pos_++;
    bool ascii = true;
    for (;;) {
      if (pos_ >= text_.size()) return false;
      auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') break;
      if (c < 0x20) return false;  // raw control characters are not JSON
      if (c >= 0x80) ascii = false;
      if (c == '\\') {
        if (key || pos_ + 1 >= text_.size()) return false;
        char e = text_[pos_ + 1];
        if (e == 'u') {
          // nlohmann writes \u00xx (lower case) only for controls without a short form.
          if (pos_ + 5 >= text_.size() || text_[pos_ + 2] != '0' || text_[pos_ + 3] != '0' ||
              !is_hex_lower(text_[pos_ + 4]) || !is_hex_lower(text_[pos_ + 5]))
            return false;
          int v = hex_value(text_[pos_ + 4]) * 16 + hex_value(text_[pos_ + 5]);
          if (v >= 0x20 || v == '\b' || v == '\f' || v == '\n' || v == '\r' || v == '\t') return false;
          pos_ += 6;
          continue;
        }
        if (e != '"' && e != '\\' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') return false;
        pos_ += 2;
        continue;
      }
      ++pos_;
    }
    ++pos_;  // the closing quote
    token = text_.substr(start, pos_ - start);
    return ascii || is_valid_utf8(token);
  }

  bool number() {
    const std::size_t start = pos_;
    if (at('-')) ++pos_;
    if (at('0')) {
      ++pos_;
    } else if (pos_ < text_.size() && text_[pos_] >= '1' && text_[pos_] <= '9') {
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    } else {
      return false;
    }
    bool is_float = false;
    if (at('.')) {
      is_float = true;
      ++pos_;
      if (pos_ >= text_.size() || !is_digit(text_[pos_])) return false;
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    if (at('e') || at('E')) {
      is_float = true;
      ++pos_;
      if (at('+') || at('-')) ++pos_;
      if (pos_ >= text_.size() || !is_digit(text_[pos_])) return false;
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    std::string_view num = text_.substr(start, pos_ - start);
    if (!is_float) {
      const std::size_t digits = num.size() - (num[0] == '-' ? 1 : 0);
      if (digits > 18) return false;  // near the 64-bit limits nlohmann may read it otherwise
      out_.append(num == "-0" ? std::string_view("0") : num);  // parsed as the integer 0
      return true;
    }
    // nlohmann reads a float with strtod and prints it again: do the same.
    double v = 0;
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (ec != std::errc() || end != num.data() + num.size()) return false;
    append_json_double(out_, v);
    return true;
  }

  bool object(int depth) {
    if (depth >= kMaxJsonDepth) return false;
    ++pos_;
    skip_space();
    if (at('}')) {
      ++pos_;
      out_ += "{}";
      return true;
    }
    out_ += '{';
    std::string_view previous;
    for (bool first = true;; first = false) {
      if (!first) out_ += ',';
      newline(depth + 1);
      if (!at('"')) return false;
      std::string_view key;
      if (!string(key, true)) return false;
      // std::map order, no duplicate: else nlohmann would reorder or merge.
      std::string_view name = key.substr(1, key.size() - 2);
      if (!first && previous.compare(name) >= 0) return false;
      previous = name;
      out_.append(key);
      skip_space();
      if (!at(':')) return false;
      ++pos_;
      out_ += ": ";
      skip_space();
      if (!value(depth + 1)) return false;
      skip_space();
      if (at('}')) break;
      if (!at(',')) return false;
      ++pos_;
      skip_space();
    }
    ++pos_;
    newline(depth);
    out_ += '}';
    return true;
  }

  bool array(int depth) {
    if (depth >= kMaxJsonDepth) return false;
    ++pos_;
    skip_space();
    if (at(']')) {
      ++pos_;
      out_ += "[]";
      return true;
    }
    out_ += '[';
    for (bool first = true;; first = false) {
      if (!first) out_ += ',';
      newline(depth + 1);
      if (!value(depth + 1)) return false;
      skip_space();
      if (at(']')) break;
      if (!at(',')) return false;
      ++pos_;
      skip_space();
    }
    ++pos_;
    newline(depth);
    out_ += ']';
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int indent_;
  std::string& out_;
};

}  // namespace

bool reindent_json(std::string_view compact, int indent, std::string& out) { return reindent_json(compact, indent, 0, out); }

bool reindent_json(std::string_view compact, int indent, int depth, std::string& out) {
  if (indent < 0 || depth < 0 || depth >= kMaxJsonDepth) return false;
  out.reserve(out.size() + compact.size() * 2);
  return Reindenter(compact, indent, out).run(depth);
}

bool reindent_json_prefix(std::string_view text, int indent, int depth, std::string& out, std::size_t& consumed) {
  if (indent < 0 || depth < 0 || depth >= kMaxJsonDepth) return false;
  return Reindenter(text, indent, out).run_prefix(depth, consumed);
}

}  // namespace corral::protocol
