#include "common/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "common/log.h"

namespace getps {

std::string FormatDuration(double seconds) {
  char buf[32];
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(seconds) / 60,
                  static_cast<int>(seconds) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(seconds) / 3600,
                  (static_cast<int>(seconds) % 3600) / 60);
  }
  return buf;
}

std::string FormatRate(double per_second) {
  char buf[32];
  if (!std::isfinite(per_second) || per_second < 0) return "?";
  if (per_second >= 100 || per_second == 0)
    std::snprintf(buf, sizeof buf, "%.0f", per_second);
  else
    std::snprintf(buf, sizeof buf, "%.3g", per_second);
  return buf;
}

ProgressMeter::ProgressMeter(std::string label, std::int64_t total, std::string unit, bool enabled,
                             std::chrono::milliseconds interval)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      enabled_(enabled),
      interval_(interval),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_),
      last_read_(start_) {}

void ProgressMeter::Advance(std::int64_t n) {
  done_ += n;
  if (!enabled_ || ++calls_since_read_ < calls_per_read_) return;
  calls_since_read_ = 0;
  const auto now = std::chrono::steady_clock::now();
  // Read the clock about once a millisecond however often this is called:
  // a loop advancing per line would otherwise spend its time here.
  if (now - last_read_ < std::chrono::milliseconds(1))
    calls_per_read_ = std::min<std::int64_t>(2 * calls_per_read_, 1 << 16);
  else if (calls_per_read_ > 1)
    calls_per_read_ /= 2;
  last_read_ = now;
  if (now - last_print_ >= interval_) {
    last_print_ = now;
    Print(false);
  }
}

void ProgressMeter::Finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) Print(true);
}

void ProgressMeter::Print(bool final_line) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  char buf[256];
  if (final_line) {
    std::snprintf(buf, sizeof buf, "%s: %lld %s in %s (%s %s/s)", label_.c_str(),
                  static_cast<long long>(done_), unit_.c_str(), FormatDuration(elapsed).c_str(),
                  FormatRate(rate).c_str(), unit_.c_str());
  } else if (total_ < 0) {  // unknown total: no percentage or ETA
    std::snprintf(buf, sizeof buf, "%s: %lld %s, %s %s/s", label_.c_str(),
                  static_cast<long long>(done_), unit_.c_str(), FormatRate(rate).c_str(),
                  unit_.c_str());
  } else {
    double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : -1;
    double pct = total_ > 0 ? 100.0 * static_cast<double>(done_) / static_cast<double>(total_) : 0;
    std::snprintf(buf, sizeof buf, "%s: %lld/%lld %s (%.1f%%), %s %s/s, ETA %s", label_.c_str(),
                  static_cast<long long>(done_), static_cast<long long>(total_), unit_.c_str(), pct,
                  FormatRate(rate).c_str(), unit_.c_str(), FormatDuration(eta).c_str());
  }
  LogInfo(buf);
}

}  // namespace getps
