// SPDX-License-Identifier: Apache-2.0
// The raw-byte check before toml++ (issue 9, fixes 5 and 7): what reaches a
// bug of Debian 12's toml++ 3.3.0 is refused with file:line:col; non-ASCII text
// in strings and comments is not; an unclosed string is named at its quote.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "corral/config/config.hpp"

namespace corral::config {
namespace {

// Loads `text` as a main config file; returns "LINE:COL: MESSAGE" of each error.
std::vector<std::string> errors_of_text(const std::string& text) {
  static int n = 0;
  std::string dir = "/tmp/corral-toml-bytes-" + std::to_string(getpid()) + "-" + std::to_string(n++);
  std::filesystem::create_directories(dir);
  std::string path = dir + "/corral.toml";
  if (std::FILE* f = std::fopen(path.c_str(), "w")) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  ConfigLoad l = load_config_collect(path);
  std::vector<std::string> out;
  for (auto& e : l.errors) {
    EXPECT_EQ(e.file, path);
    out.push_back(std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return out;
}

using V = std::vector<std::string>;
const std::string kService = "[service.a]\ncommand = [\"true\"]\n";

TEST(ConfigTomlBytes, BracketThenBraceIsASyntaxErrorNotAnAssert) {
  EXPECT_EQ(errors_of_text("[}"), (V{"1:2: TOML syntax error: expected a table name after '[', got '}'"}));
  EXPECT_EQ(errors_of_text(kService + "[[ ="), (V{"3:4: TOML syntax error: expected a table name after '[', got '='"}));
  EXPECT_EQ(errors_of_text("[\n"), (V{"1:2: TOML syntax error: expected a table name after '[', got U+000A"}));
}

TEST(ConfigTomlBytes, CodePointsThatBreakTomlppsWhitespaceCheckAreRefusedOutsideStrings) {
  // U+FCFF (EF B3 BF), from the fuzzer's report, after a value.
  EXPECT_EQ(errors_of_text(kService + "autostart = true \xEF\xB3\xBF\n"),
            (V{"3:18: TOML syntax error: character U+FCFF is not allowed outside strings and comments (and the TOML "
               "library cannot check it safely)"}));
  // U+00FF at the start of a line, U+3001 after a key.
  EXPECT_EQ(errors_of_text("\xC3\xBF"), (V{"1:1: TOML syntax error: character U+00FF is not allowed outside strings "
                                           "and comments (and the TOML library cannot check it safely)"}));
  EXPECT_EQ(errors_of_text("[service.a]\ncommand\xE3\x80\x81 = 1\n"),
            (V{"2:8: TOML syntax error: character U+3001 is not allowed outside strings and comments (and the TOML "
               "library cannot check it safely)"}));
  // In a multi-line basic string, right after a backslash and after a line-ending backslash.
  EXPECT_EQ(errors_of_text("[service.a]\ncommand = \"\"\"x\\\xC3\xBF\"\"\"\n").size(), 1u);
  EXPECT_EQ(errors_of_text("[service.a]\ncommand = \"\"\"x \\\n   \xEF\xB3\xBF\"\"\"\n"),
            (V{"3:4: TOML syntax error: character U+FCFF is not allowed outside strings and comments (and the TOML "
               "library cannot check it safely)"}));
}

TEST(ConfigTomlBytes, ADateTimeWithoutItsTimeIsAnErrorNotAnAssert) {
  // Found by fuzz_config: toml++ asserts that a time follows "YYYY-MM-DDT".
  EXPECT_EQ(errors_of_text(kService + "d = 1979-05-27T[7:32:00Z\n"),
            (V{"3:5: TOML syntax error: a date-time needs a time (HH:MM:SS) after its 'T'"}));
  EXPECT_EQ(errors_of_text(kService + "d = [1979-05-27t"),
            (V{"3:6: TOML syntax error: a date-time needs a time (HH:MM:SS) after its 't'"}));
  // A whole date-time, or a date alone, is left to toml++ (and to the key check).
  for (const char* ok : {"d = 1979-05-27T07:32:00Z\n", "d = 1979-05-27\n", "d = 1979-05-27 07:32:00\n",
                         "d = [1979-05-27 ,1]\n", "d = 1979-05-27 # c\n", "d = 1979-05-27 0"})
    for (const auto& e : errors_of_text(kService + ok)) EXPECT_EQ(e.find("date-time needs"), std::string::npos) << e;
}

TEST(ConfigTomlBytes, ADateThenASpaceAndOneDigitIsAnErrorNotAnAssert) {
  // Found by fuzz_config: after "YYYY-MM-DD D" toml++ scans on from the next
  // character and asserts that it does not end the value.
  for (const char* end : {"\n", " ", ",", "]", "}", "#", "\t"})
    EXPECT_EQ(errors_of_text(kService + "d = [1958-05-21 0" + end + "\n"),
              (V{"3:6: TOML syntax error: a date-time needs a time (HH:MM:SS) after the space that follows its date"}))
        << "end " << end;
}

TEST(ConfigTomlBytes, AnyTenCharacterDateShapeThenASpaceAndOneDigitIsAnError) {
  // Found by fuzz_config: toml++ takes any 10 characters with '-' 5th and 8th
  // and no other "trait" (a letter t, z, '+', '.', ':' ...) for a date, so a
  // control character, a letter or a '-' in place of a digit reaches the same
  // assert.
  for (const char* date : {"1958-05-\x0f" "1", "1958-05-a1", "1958-05--1", "1_958-05-21", "19a8-05-21"})
    EXPECT_EQ(errors_of_text(kService + "d = [" + date + " 0]\n"),
              (V{"3:6: TOML syntax error: a date-time needs a time (HH:MM:SS) after the space that follows its date"}))
        << date;
  // What toml++ does not take for a date, or scans safely, passes the check
  // (and gets toml++'s own error).
  for (const char* value : {"1958-05-2t 0]", "1958-05-2: 0]", "1958-05-211 0]", "1958-05-21 00]", "+958-05-21 0]"}) {
    auto errors = errors_of_text(kService + "d = [" + value + "\n");
    ASSERT_FALSE(errors.empty()) << value;
    EXPECT_EQ(errors[0].find("a date-time needs a time"), std::string::npos) << value << ": " << errors[0];
  }
}

TEST(ConfigTomlBytes, AQuoteGluedToABareValueDoesNotHideWhatFollows) {
  // Found by fuzz_config: toml++ reads `0"?` and what follows as one bad token,
  // asking its whitespace check about each character, U+FCFF included.
  EXPECT_EQ(errors_of_text(kService + "xbatch =0\"?\xEF\xB3\xBF\n"),
            (V{"3:12: TOML syntax error: character U+FCFF is not allowed outside strings and comments (and the TOML "
               "library cannot check it safely)"}));
  // Strings after '=', '[', '{', ',', '.' or a blank still hide their text.
  const std::string ok = "[service.a]\ncommand=[\"\xEF\xB3\xBF\",'\xEF\xB3\xBF']\n"
                         "env={X=\"\xEF\xB3\xBF\"}\n[service.\"b\"]\ncommand = [\"true\"]\n";
  EXPECT_EQ(errors_of_text(ok), V{});
}

TEST(ConfigTomlBytes, ABraceWhereAnArrayWantsAValueIsAnErrorNotAnAssert) {
  // Found by fuzz_config: toml++ asserts that an array's next value does not start with '}'.
  EXPECT_EQ(errors_of_text(kService + "policy =[}rr\"\n"),
            (V{"3:10: TOML syntax error: expected a value or ']' in the array, got '}'"}));
  EXPECT_EQ(errors_of_text(kService + "x = [1,\n  # a comment\n}\n"),
            (V{"5:1: TOML syntax error: expected a value or ']' in the array, got '}'"}));
  // Inline tables in arrays, trailing commas and nested arrays are fine.
  for (const auto& e : errors_of_text(kService + "x = [ {a = 1}, {b = [2,]}, [[3], []], ]\n"))
    EXPECT_EQ(e.find("in the array"), std::string::npos) << e;
}

TEST(ConfigTomlBytes, AByteOrderMarkIsSkippedAsTomlppSkipsIt) {
  // Found by fuzz_config: after a BOM, "[#" is a table header toml++ asserts on.
  EXPECT_EQ(errors_of_text("\xEF\xBB\xBF[#service.a]\n"),
            (V{"1:2: TOML syntax error: expected a table name after '[', got '#'"}));
  EXPECT_EQ(errors_of_text("\xEF\xBB\xBF" + kService), V{});
}

TEST(ConfigTomlBytes, ABareValueIsOneTokenUpToItsTerminator) {
  // Found by fuzz_config: toml++ reads `07:32:00["[...` as one bare value up to a
  // terminator, so the '[' and the quote open nothing and U+FCFF is checked.
  EXPECT_EQ(errors_of_text(kService + "x = 07:32:00[\"[s\xEF\xB3\xBFice\n"),
            (V{"3:17: TOML syntax error: character U+FCFF is not allowed outside strings and comments (and the TOML "
               "library cannot check it safely)"}));
  // After a terminator the next value is read as usual: a string hides its text.
  EXPECT_EQ(errors_of_text(kService + "x = [1, \"\xEF\xB3\xBF\", 2.5, true, {a = \"\xEF\xB3\xBF\"}]\n").size(), 1u);
  EXPECT_EQ(errors_of_text(kService + "x = [1, \"\xEF\xB3\xBF\", 2.5, true, {a = \"\xEF\xB3\xBF\"}]\n")
                .front()
                .find("not allowed outside strings"),
            std::string::npos);
}

TEST(ConfigTomlBytes, NonAsciiTextInStringsAndCommentsIsAccepted) {
  // Every one of these is in a range toml++'s whitespace check cannot answer for.
  const std::string text =
      "# comment: \xC3\xBF \xE3\x80\x81 \xEF\xB3\xBF \xEF\xBB\xBE\n"
      "[service.a]  # \xD2\x80\n"
      "command = [\"echo\", \"\xC3\xBF \xE3\x80\x81 \xEF\xB3\xBF\", '\xE2\xB1\x9E', \"\"\"\xEF\xB3\xBF\n\xC3\xBF\"\"\", "
      "'''\xE3\x80\x81\n''']\n"
      "[service.b]\ncommand = [\"true\"]\nafter = [\n  \"a\", # \xEF\xB3\xBF\n]\n"
      "[service.b.env]\nX = \"x \\\"\xEF\xB3\xBF\\\" \"\n";
  EXPECT_EQ(errors_of_text(text), V{});
}

TEST(ConfigTomlBytes, NestedArraysAcrossLinesAreNotHeaders) {
  EXPECT_EQ(errors_of_text("[service.a]\ncommand = [\n[\n\"true\"\n]\n]\n").size(), 1u);  // a type error, not a header
  EXPECT_EQ(errors_of_text("[service.a]\ncommand = [\n[\n\"true\"\n]\n]\n").front().find("expected a table name"),
            std::string::npos);
}

TEST(ConfigTomlBytes, UnterminatedStringIsReportedAtItsOpeningQuote) {
  EXPECT_EQ(errors_of_text("[service.a]\ncommand = \"true\nautostart = false\n"),
            (V{"2:11: TOML syntax error: unterminated string: no closing \" before the end of the line"}));
  EXPECT_EQ(errors_of_text("[service.a]\ncommand = ['true', 'x]\n"),
            (V{"2:20: TOML syntax error: unterminated string: no closing ' before the end of the line"}));
  EXPECT_EQ(errors_of_text("[service.a]\ncommand = \"\"\"true\n\n"),
            (V{"2:11: TOML syntax error: unterminated multi-line string: no closing \"\"\" before the end of the "
               "file"}));
  // A closed string with an escaped quote is not unterminated; the error is toml++'s own.
  auto other = errors_of_text("[service.a]\ncommand = \"a\\\"b\" x\n");
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other.front().find("unterminated"), std::string::npos) << other.front();
}

}  // namespace
}  // namespace corral::config
