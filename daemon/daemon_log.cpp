// SPDX-License-Identifier: Apache-2.0
#include "daemon_log.hpp"

#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <string>

namespace corral::daemon {
namespace {

std::string* batch = nullptr;  // the outermost open LogBatch's lines
int batch_depth = 0;
constexpr std::size_t kBatchFlush = 64 * 1024;

void flush_batch() {
  if (batch == nullptr || batch->empty()) return;
  std::fwrite(batch->data(), 1, batch->size(), stderr);
  std::fflush(stderr);
  batch->clear();
}

}  // namespace

void log_line(const char* fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  std::time_t t = std::time(nullptr);
  struct tm tm{};
  ::localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  if (batch == nullptr) {
    std::fprintf(stderr, "%s corrald: %s\n", stamp, msg);
    return;
  }
  ((batch->append(stamp) += " corrald: ") += msg) += '\n';
  if (batch->size() >= kBatchFlush) flush_batch();
}

LogBatch::LogBatch() {
  if (batch_depth++ == 0) batch = new std::string;
}

LogBatch::~LogBatch() {
  if (--batch_depth > 0) return;
  flush_batch();
  delete batch;
  batch = nullptr;
}

}  // namespace corral::daemon
