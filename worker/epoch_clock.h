// EpochClock: where one replica's time went in an epoch — compute (forward
// and backward), waiting for batches, communication (shard requests and
// the gradient exchange) — and the epoch record's "throughput" list, one
// entry per replica, from the numbers each replica reports.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <vector>

namespace getps {

class EpochClock {
 public:
  using Clock = std::chrono::steady_clock;
  static double Seconds(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
  }

  EpochClock() : start_(Clock::now()) {}
  double elapsed() const { return Seconds(start_, Clock::now()); }

  double compute = 0, data_wait = 0, communication = 0;  // seconds

  // What this replica reports of the epoch in which it trained `windows`.
  std::vector<double> Report(double windows) const {
    return {windows, elapsed(), compute, data_wait, communication};
  }
  // Every replica's Report, concatenated in replica order -> the list.
  static nlohmann::json Throughput(const std::vector<double>& reports);

 private:
  Clock::time_point start_;
};

}  // namespace getps
