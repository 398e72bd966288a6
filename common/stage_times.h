// StageTimes: the wall time of each named stage of a long job, in order,
// for its closing line ("peaks 0.4 s (1%), count 6.9 s (20%), ...") with
// the process's peak memory. Not thread-safe: one job's driver owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace getps {

class StageTimes {
 public:
  // `now` gives seconds on a monotonic clock (the default: steady_clock).
  explicit StageTimes(std::function<double()> now = {});

  // Ends the running stage, if any, and starts `name`.
  void Start(std::string name);
  // Ends the running stage, if any.
  void Stop();

  // (name, seconds) of every ended stage, in the order they ran.
  const std::vector<std::pair<std::string, double>>& stages() const { return stages_; }
  // "name 1.2 s (35%), ...": every ended stage with its share of their sum.
  std::string Summary() const;

 private:
  std::function<double()> now_;
  std::string running_;
  double started_ = 0;
  std::vector<std::pair<std::string, double>> stages_;
};

// The most resident memory this process has held so far, in bytes
// (getrusage's ru_maxrss).
std::int64_t PeakResidentBytes();

}  // namespace getps
