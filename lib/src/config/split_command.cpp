// SPDX-License-Identifier: Apache-2.0
// Shell-like word splitting for `command = "..."`. Only quoting is interpreted;
// nothing is expanded, because no shell runs: what the user wrote in quotes is
// exactly what the program receives.
#include <string>

#include "corral/config/units.hpp"

namespace corral::config {

Result<std::vector<std::string>> split_command(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;  // true once a word has started, even if empty ("''")
  enum class Q { None, Single, Double } q = Q::None;
  size_t quote_at = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (q) {
      case Q::Single:
        if (c == '\'') q = Q::None;
        else word += c;
        break;
      case Q::Double:
        if (c == '"') {
          q = Q::None;
        } else if (c == '\\' && i + 1 < text.size() &&
                   (text[i + 1] == '"' || text[i + 1] == '\\' || text[i + 1] == '$' || text[i + 1] == '`' ||
                    text[i + 1] == '\n')) {
          if (text[i + 1] != '\n') word += text[i + 1];  // backslash-newline is a line continuation
          ++i;
        } else {
          word += c;
        }
        break;
      case Q::None:
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
          if (in_word) words.push_back(std::move(word));
          word.clear();
          in_word = false;
        } else if (c == '\'' || c == '"') {
          q = c == '\'' ? Q::Single : Q::Double;
          quote_at = i;
          in_word = true;
        } else if (c == '\\') {
          if (i + 1 >= text.size())
            return Error::logic("command ends with a backslash that escapes nothing", EINVAL);
          if (text[i + 1] != '\n') {
            word += text[i + 1];
            in_word = true;
          }
          ++i;
        } else {
          word += c;
          in_word = true;
        }
        break;
    }
  }
  if (q != Q::None)
    return Error::logic(std::string("unbalanced ") + (q == Q::Single ? "single" : "double") +
                            " quote in command (opened at character " + std::to_string(quote_at + 1) + ")",
                        EINVAL);
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) return Error::logic("empty command", EINVAL);
  return words;
}

}  // namespace corral::config
