// SPDX-License-Identifier: Apache-2.0
// The raw-byte scan of a config file; see toml_byte_check.hpp for why.
// It follows TOML's lexical structure (strings, comments, values, table
// headers) only as far as it must to know where toml++ would look at a byte.
#include "toml_byte_check.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace corral::config::detail {
namespace {

// The code points toml++ 3.3.0's is_non_ascii_horizontal_whitespace() has no
// answer for (it falls into __builtin_unreachable).
bool breaks_whitespace_check(char32_t c) {
  return (c >= 0xA1 && c <= 0x499) || (c >= 0x2C5E && c <= 0x2FFF) || (c >= 0x3001 && c <= 0x3057) ||
         (c >= 0xFB26 && c <= 0xFEFE);
}

bool is_bare_key_char(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string code_point_text(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

// Decodes the UTF-8 text one code point at a time, counting lines and columns
// as toml++ does. Invalid UTF-8 ends the scan: toml++ stops there too.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {
    // toml++ skips a UTF-8 byte order mark before it reads (and counts) anything.
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
    decode();
  }
  bool done() const { return bad_ || pos_ >= text_.size(); }
  char32_t cp() const { return cp_; }
  unsigned line() const { return line_; }
  unsigned column() const { return column_; }
  // The code point `ahead` places on (0 if past the end or invalid).
  char32_t peek(std::size_t ahead) const {
    Cursor c = *this;
    for (std::size_t i = 0; i < ahead && !c.done(); ++i) c.next();
    return c.done() ? 0 : c.cp();
  }
  void next() {
    if (done()) return;
    if (cp_ == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    pos_ += len_;
    decode();
  }

 private:
  void decode() {
    if (pos_ >= text_.size()) return;
    auto b = static_cast<unsigned char>(text_[pos_]);
    std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || pos_ + n > text_.size()) {
      bad_ = true;
      return;
    }
    char32_t c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (std::size_t i = 1; i < n; ++i) {
      auto t = static_cast<unsigned char>(text_[pos_ + i]);
      if ((t >> 6) != 2) {
        bad_ = true;
        return;
      }
      c = (c << 6) | (t & 0x3F);
    }
    cp_ = c;
    len_ = n;
  }

  std::string_view text_;
  std::size_t pos_ = 0, len_ = 1;
  char32_t cp_ = 0;
  unsigned line_ = 1, column_ = 1;
  bool bad_ = false;
};

class Scanner {
 public:
  explicit Scanner(std::string_view text) : c_(text) {}

  TomlByteScan run() {
    while (!c_.done() && !result_.refuse && !stopped_) {
      if (!normal()) break;
    }
    return std::move(result_);
  }

 private:
  void refuse(std::string message) {
    if (!result_.refuse) result_.refuse = TomlBytePlace{c_.line(), c_.column(), std::move(message)};
  }
  void unterminated(unsigned line, unsigned column, std::string message) {
    if (!result_.unterminated) result_.unterminated = TomlBytePlace{line, column, std::move(message)};
    stopped_ = true;  // toml++ stops at this error: nothing after it is parsed
  }
  bool check_outside(char32_t cp) {
    if (cp >= 0x80 && breaks_whitespace_check(cp)) {
      refuse("character " + code_point_text(cp) +
             " is not allowed outside strings and comments (and the TOML library cannot check it safely)");
      return false;
    }
    return true;
  }

  // Whether a quote here opens a string. In valid TOML a string (value or key)
  // follows a blank, a line start or one of = [ { , . ; a quote glued to a bare
  // token ("0\"...") is part of that token for toml++, which goes on reading the
  // token character by character, asking its whitespace check about each one.
  bool quote_opens_string() const {
    switch (prev_) {
      case ' ': case '\t': case '\r': case '\n':
      case '=': case '[': case '{': case ',': case '.':
        return true;
      default:
        return false;
    }
  }

  // One step outside strings and comments. False when the scan must stop.
  bool normal() {
    char32_t cp = c_.cp();
    bool ok = step(cp);
    // After a bare value this is its first character, not its last: the same
    // for quote_opens_string(), since a terminator always comes next.
    prev_ = cp == '\t' || cp == '\r' ? ' ' : cp;
    return ok;
  }

  // Blanks, line breaks and comments leave slot_ as it was; anything else
  // sets it (a value may come only right after '=', or an array's '[' or ',').
  bool step(char32_t cp) {
    Slot slot_next = Slot::None;
    switch (cp) {
      case '#':
        while (!c_.done() && c_.cp() != '\n') c_.next();
        return true;
      case '"':
      case '\'':
        if (!quote_opens_string()) break;
        line_start_ = false;
        slot_ = Slot::None;
        return string(static_cast<char>(cp));
      case '\n':
        line_start_ = true;
        in_header_ = false;
        if (open_.empty()) in_value_ = false;
        c_.next();
        return true;
      case ' ':
      case '\t':
      case '\r':
        c_.next();
        return true;
      case '=':
        if (!in_header_) {
          in_value_ = true;
          slot_next = Slot::Value;
        }
        break;
      case '[':
        if (line_start_ && !in_value_ && open_.empty()) return header();
        if (!in_header_) {
          open_.push_back('[');
          slot_next = Slot::ArrayValue;
        }
        break;
      case '{':
        if (!in_header_) open_.push_back('{');
        break;
      case '}':
        // toml++ 3.3.0 hands an array's next character to parse_value, which
        // asserts (not reports) that it is not a terminator: '}' is the one
        // terminator its array loop does not handle itself.
        if (slot_ == Slot::ArrayValue) {
          refuse("expected a value or ']' in the array, got '}'");
          return false;
        }
        [[fallthrough]];
      case ']':
        if (!in_header_ && !open_.empty()) open_.pop_back();
        break;
      case ',':
        if (!open_.empty() && open_.back() == '[') slot_next = Slot::ArrayValue;
        break;
      default:
        if (slot_ != Slot::None && !in_header_) return bare_value();
        if (!check_outside(cp)) return false;
        break;
    }
    slot_ = slot_next;
    line_start_ = false;
    c_.next();
    return true;
  }

  static bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }

  // What toml++ takes for the end of a bare value (is_value_terminator, ASCII part).
  static bool ends_bare_value(char32_t c) {
    return c == ' ' || c == '\t' || (c >= '\n' && c <= '\r') || c == ']' || c == '}' || c == ',' || c == '#';
  }

  // A bare value (a number, a date-time, a boolean, inf/nan, or garbage):
  // toml++ reads it as one token up to a value terminator, asking its
  // whitespace check about every character on the way, so '[', '{' and quotes
  // inside it open nothing and hide nothing.
  bool bare_value() {
    if (!c_.done() && is_digit(c_.cp()) && !space_then_digit_is_safe()) return false;
    while (!c_.done() && !ends_bare_value(c_.cp())) {
      char32_t cp = c_.cp();
      if (!check_outside(cp)) return false;
      if (is_digit(cp) && !date_time_has_its_time()) return false;
      c_.next();
    }
    slot_ = Slot::None;
    line_start_ = false;
    return true;
  }

  // At a value's digit: "YYYY-MM-DD" then 'T' or 't' makes toml++ read a time
  // and assert (not report) that its first character is a digit (toml++ 3.3.0,
  // parse_time). "YYYY-MM-DD D" with one digit after the space and then a
  // terminator makes it scan on from the terminator and assert that it is not
  // one (parse_value). Refuse the two shapes that reach those asserts; neither
  // is valid TOML, whose time has two digits for the hour.
  bool date_time_has_its_time() {
    for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
      if (!is_digit(c_.peek(i))) return true;
    if (c_.peek(4) != '-' || c_.peek(7) != '-') return true;
    char32_t sep = c_.peek(10);
    if (sep == ' ') {
      if (!is_digit(c_.peek(11)) || is_digit(c_.peek(12)) || c_.peek(12) == 0) return true;
      refuse("a date-time needs a time (HH:MM:SS) after the space that follows its date");
      return false;
    }
    if (sep != 'T' && sep != 't') return true;
    if (is_digit(c_.peek(11))) return true;
    refuse("a date-time needs a time (HH:MM:SS) after its '" + std::string(1, static_cast<char>(sep)) + "'");
    return false;
  }

  // At the first character of a bare value, a digit: toml++ (parse_value)
  // scans the value up to a terminator, counting every character but '_' and
  // collecting "traits" from them. When it counted exactly 10, with '-' 5th and
  // 8th and no trait but digits and minus signs, and a space and a digit
  // follow, it takes the value for a date-time with a space, scans on from
  // after the digit and asserts that the character there does not end a
  // value. The 10 need not be digits: "1958-05-\x0f1 0" gets there too (found
  // by fuzz_config). The traits are computed here as toml++ computes them.
  bool space_then_digit_is_safe() {
    Cursor c = c_;
    char32_t chars[10];
    std::size_t count = 0;
    bool only_digits_and_minus = true;
    const bool begins_zero = c.cp() == '0';
    while (!c.done() && !ends_bare_value(c.cp())) {
      const char32_t ch = c.cp();
      c.next();
      if (ch == '_') continue;
      if (count == 10) return true;  // longer than a date: no second scan
      chars[count++] = ch;
      if (is_digit(ch) || ch == '-') continue;
      const char32_t lower = ch | 32u;
      if (lower >= 'a' && lower <= 'z') {
        // The letters that add a trait (toml++ 3.3.0's conditions; with a
        // digit first, 'x' needs "0x" and 'e' needs no '-' before it).
        if (lower == 't' || lower == 'z' || ((lower == 'b' || lower == 'o' || lower == 'x') && count == 2 && begins_zero) ||
            (lower == 'e' && count > 1 && std::find(chars, chars + count, U'-') == chars + count))
          only_digits_and_minus = false;
        // 'p' adds a trait only after an 'x', which already did.
      } else if (ch == '+' || ch == '.' || ch == ':') {
        only_digits_and_minus = false;
      }
    }
    if (count != 10 || chars[4] != '-' || chars[7] != '-' || !only_digits_and_minus) return true;
    if (c.done() || c.cp() != ' ') return true;
    c.next();
    if (c.done() || !is_digit(c.cp())) return true;
    c.next();
    if (c.done() || !ends_bare_value(c.cp())) return true;
    refuse("a date-time needs a time (HH:MM:SS) after the space that follows its date");
    return false;
  }

  // "[" or "[[" at the start of a line: the next character toml++ reads after
  // their spaces must begin a key (or be the "]" it reports itself).
  bool header() {
    in_header_ = true;
    line_start_ = false;
    c_.next();
    auto skip_blanks = [&] {
      while (!c_.done() && (c_.cp() == ' ' || c_.cp() == '\t')) c_.next();
    };
    skip_blanks();
    if (!c_.done() && c_.cp() == '[') {
      c_.next();
      skip_blanks();
    }
    if (c_.done()) return true;
    char32_t cp = c_.cp();
    if (is_bare_key_char(cp) || cp == '"' || cp == '\'' || cp == ']') return true;
    if (!check_outside(cp)) return false;
    refuse("expected a table name after '[', got " +
           (cp >= 0x20 && cp < 0x7F ? "'" + std::string(1, static_cast<char>(cp)) + "'" : code_point_text(cp)));
    return false;
  }

  bool string(char quote) {
    unsigned line = c_.line(), column = c_.column();
    bool multi = c_.peek(1) == static_cast<char32_t>(quote) && c_.peek(2) == static_cast<char32_t>(quote);
    for (int i = 0; i < (multi ? 3 : 1); ++i) c_.next();
    std::string q(multi ? 3 : 1, quote);
    const std::string what = multi ? "unterminated multi-line string: no closing " + q + " before the end of the file"
                                   : "unterminated string: no closing " + q + " before the end of the line";
    while (!c_.done()) {
      char32_t cp = c_.cp();
      if (cp == static_cast<char32_t>(quote)) {
        if (!multi) {
          c_.next();
          return true;
        }
        if (c_.peek(1) == cp && c_.peek(2) == cp) {
          // """ closes; up to two more quotes belong to the string.
          for (int i = 0; i < 3; ++i) c_.next();
          for (int i = 0; i < 2 && !c_.done() && c_.cp() == cp; ++i) c_.next();
          return true;
        }
        c_.next();
        continue;
      }
      if (cp == '\n' && !multi) {
        unterminated(line, column, what);
        return false;
      }
      if (cp == '\\' && quote == '"') {
        c_.next();
        if (c_.done()) break;
        if (multi && !after_backslash()) return false;
        if (!c_.done() && !multi) c_.next();
        continue;
      }
      c_.next();
    }
    if (!c_.done()) return false;  // invalid UTF-8: toml++ stops there
    unterminated(line, column, what);
    return false;
  }

  // In a multi-line basic string, just past a backslash: toml++ asks whether
  // the next character is whitespace and, after a line-ending backslash,
  // whether each following one is. Leaves the cursor past what it checked.
  bool after_backslash() {
    char32_t cp = c_.cp();
    if (!check_outside(cp)) return false;
    if (cp != ' ' && cp != '\t' && cp != '\r' && cp != '\n') {
      c_.next();  // an ordinary escape (\n, \", \u...): its first character
      return true;
    }
    while (!c_.done() && (c_.cp() == ' ' || c_.cp() == '\t' || c_.cp() == '\r' || c_.cp() == '\n')) c_.next();
    if (!c_.done() && !check_outside(c_.cp())) return false;
    return true;  // the first character after the skipped whitespace is read by the caller
  }

  Cursor c_;
  TomlByteScan result_;
  bool line_start_ = true;  // only blanks so far on this line
  bool in_value_ = false;   // after '=' until the value's line ends
  bool in_header_ = false;  // on a [table] header's line
  std::string open_;        // the open '[' and '{' of a value, innermost last
  enum class Slot { None, Value, ArrayValue };
  Slot slot_ = Slot::None;  // where a value must come: after '=', or after an array's '[' or ','
  char32_t prev_ = '\n';    // the last code point normal() stepped over (blanks as ' ')
  bool stopped_ = false;
};

}  // namespace

TomlByteScan scan_toml_bytes(std::string_view text) { return Scanner(text).run(); }

}  // namespace corral::config::detail
