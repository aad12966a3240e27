// SPDX-License-Identifier: Apache-2.0
#include "json_reply_out.hpp"

#include <cstdio>
#include <string_view>

#include <nlohmann/json.hpp>

#include "corral/protocol/json_reindent.hpp"
#include "exit_codes.hpp"
#include "service_client.hpp"

namespace corral::ctl {
namespace {

constexpr std::string_view kHead = "{\"data\":[";
constexpr std::size_t kFlushAt = 64 * 1024;     // output written in pieces of about this size
constexpr std::size_t kCompactAt = 256 * 1024;  // consumed input dropped past this much

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Where the JSON value starting at text[pos] ends (one past it), or npos when the
// text ends first. A scalar ends at the delimiter that follows it.
std::size_t value_end(std::string_view text, std::size_t pos) {
  int depth = 0;
  for (std::size_t i = pos; i < text.size(); ++i) {
    switch (text[i]) {
      case '"':
        for (++i; i < text.size() && text[i] != '"'; ++i)
          if (text[i] == '\\') ++i;
        if (i >= text.size()) return std::string_view::npos;
        if (depth == 0) return i + 1;
        break;
      case '{':
      case '[': ++depth; break;
      case '}':
      case ']':
        if (depth == 0) return i;
        if (--depth == 0) return i + 1;
        break;
      case ',':
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        if (depth == 0) return i;
        break;
      default: break;
    }
  }
  return std::string_view::npos;
}

// The reply read and printed as it arrives; in_ holds what is not consumed yet.
class ListPrinter {
 public:
  explicit ListPrinter(DaemonConnection& conn) : conn_(conn) {}

  enum class Outcome { Printed, NotAList, Failed };

  Outcome run() {
    // The head decides: a list reply starts with {"data":[ (keys in std::map order).
    while (in_.size() < kHead.size() && in_.find('\n') == std::string::npos)
      if (!more()) return fail("corrald closed the connection");
    if (std::string_view(in_).substr(0, kHead.size()) != kHead) return Outcome::NotAList;
    pos_ = kHead.size();
    out_.reserve(kFlushAt * 2);
    if (!skip_space()) return fail("the reply broke off");
    if (in_[pos_] == ']') {
      ++pos_;
      out_ += "[]";
    } else {
      for (bool first = true;; first = false) {
        out_ += first ? "[\n" : ",\n";
        out_.append(2, ' ');
        if (!print_element()) return fail(error_);
        if (!skip_space()) return fail("the reply broke off");
        const char c = in_[pos_++];
        if (out_.size() >= kFlushAt) flush();
        if (pos_ >= kCompactAt) {
          in_.erase(0, pos_);
          pos_ = 0;
        }
        if (c == ']') break;
        if (c != ',' || !skip_space()) return fail("the reply is not JSON");
      }
      out_ += "\n]";
    }
    // The rest of the line must say the request succeeded.
    std::size_t nl;
    while ((nl = in_.find('\n', pos_)) == std::string::npos)
      if (!more()) return fail("the reply broke off");
    const std::string tail = ",\"ok\":true,\"v\":" + std::to_string(protocol::kVersion) + "}";
    if (std::string_view(in_).substr(pos_, nl - pos_) != tail)
      return fail("the reply is not a success: " + in_.substr(pos_, 200));
    out_ += '\n';
    flush();
    return Outcome::Printed;
  }

  // The whole reply line when it is not a list.
  std::string take_line() {
    std::size_t nl;
    while ((nl = in_.find('\n')) == std::string::npos)
      if (!more()) break;
    if (nl != std::string::npos) in_.resize(nl);
    return std::move(in_);
  }

  const std::string& error() const { return error_; }

 private:
  bool more() {
    auto n = conn_.read_some(in_);
    return n && *n > 0;
  }
  // Past spaces to the next character, reading on as needed; false at end of stream.
  bool skip_space() {
    for (;;) {
      while (pos_ < in_.size() && is_space(in_[pos_])) ++pos_;
      if (pos_ < in_.size()) return true;
      if (!more()) return false;
    }
  }
  // One element of the list at depth 1, from in_ at pos_, which moves past it:
  // re-indented from its text, or (not in canonical form) parsed and dumped by
  // nlohmann with its lines moved in one level. Reads on while it is cut short.
  bool print_element() {
    const std::size_t mark = out_.size();
    for (;;) {
      std::string_view rest = std::string_view(in_).substr(pos_);
      std::size_t used = 0;
      // A delimiter must follow, or a number at the end of what came may be cut short.
      if (protocol::reindent_json_prefix(rest, 2, 1, out_, used) && used < rest.size()) {
        pos_ += used;
        return true;
      }
      out_.resize(mark);
      const std::size_t end = value_end(in_, pos_);
      if (end != std::string_view::npos) return print_parsed(std::string_view(in_).substr(pos_, end - pos_), end);
      if (!more()) {
        error_ = "the reply broke off";
        return false;
      }
    }
  }
  bool print_parsed(std::string_view text, std::size_t end) {
    auto v = nlohmann::json::parse(text, nullptr, false);
    if (v.is_discarded()) {
      error_ = "the reply is not JSON";
      return false;
    }
    for (char c : v.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) {
      out_ += c;
      if (c == '\n') out_.append(2, ' ');
    }
    pos_ = end;
    return true;
  }
  void flush() {
    std::fwrite(out_.data(), 1, out_.size(), stdout);
    out_.clear();
  }
  Outcome fail(std::string why) {
    flush();  // what was printed stays printed; the error says it is not all
    error_ = std::move(why);
    return Outcome::Failed;
  }

  DaemonConnection& conn_;
  std::string in_, out_, error_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::string> call_print_list_json(const protocol::Request& req, Context& ctx) {
  auto conn = connect_for(ctx);
  if (!conn) return std::nullopt;
  if (Status st = conn->send_request(req); !st) {
    std::fprintf(stderr, "corralctl: %s\n", st.error().message.c_str());
    ctx.exit_code = kExitFailed;
    return std::nullopt;
  }
  ListPrinter p(*conn);
  switch (p.run()) {
    case ListPrinter::Outcome::Printed: ctx.exit_code = kExitOk; return std::nullopt;
    case ListPrinter::Outcome::NotAList: return p.take_line();
    case ListPrinter::Outcome::Failed: break;
  }
  std::fflush(stdout);
  std::fprintf(stderr, "corralctl: %s\n", p.error().c_str());
  ctx.exit_code = kExitFailed;
  return std::nullopt;
}

std::optional<std::string> call_line_or_print_list(const protocol::Request& req, Context& ctx, bool print_list) {
  if (print_list) return call_print_list_json(req, ctx);
  auto line = call_line(req, ctx);
  if (!line) return std::nullopt;
  return std::move(*line);
}

}  // namespace corral::ctl
