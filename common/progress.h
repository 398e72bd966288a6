// ProgressMeter: "label  done/total  rate/s  ETA" on stderr for long work,
// at most one line per interval (and always a final line). Not thread-safe:
// one meter belongs to the loop that advances it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace getps {

class ProgressMeter {
 public:
  // `unit` names what is counted ("regions", "windows"); a negative `total`
  // means unknown (no percentage or ETA). When `enabled` is false nothing is
  // printed (tests, --quiet).
  ProgressMeter(std::string label, std::int64_t total, std::string unit, bool enabled = true,
                std::chrono::milliseconds interval = std::chrono::milliseconds(2000));

  // Adds `n` units of finished work and prints a line if the interval passed.
  void Advance(std::int64_t n);
  // Prints the closing line (total time and mean rate). Idempotent.
  void Finish();

  std::int64_t done() const { return done_; }

 private:
  void Print(bool final_line);

  std::string label_;
  std::int64_t total_;
  std::string unit_;
  bool enabled_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  // The clock is read every calls_per_read_ calls to Advance (adapted so
  // that reads are about a millisecond apart).
  std::chrono::steady_clock::time_point last_read_;
  std::int64_t calls_per_read_ = 1, calls_since_read_ = 0;
  std::int64_t done_ = 0;
  bool finished_ = false;
};

// "1h02m", "3m07s", "12.4s": a duration for humans.
std::string FormatDuration(double seconds);
// A rate with three significant figures at most, never rounded to 0:
// "1234567", "12.3", "0.25", "0.0012".
std::string FormatRate(double per_second);

}  // namespace getps
