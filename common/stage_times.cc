#include "common/stage_times.h"

#include <sys/resource.h>
#include <cstdint>

#include <chrono>
#include <cstdio>

namespace getps {

StageTimes::StageTimes(std::function<double()> now) : now_(std::move(now)) {
  if (!now_) {
    now_ = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  }
}

void StageTimes::Start(std::string name) {
  Stop();
  running_ = std::move(name);
  started_ = now_();
}

void StageTimes::Stop() {
  if (running_.empty()) return;
  stages_.emplace_back(std::move(running_), now_() - started_);
  running_.clear();
}

std::string StageTimes::Summary() const {
  double total = 0;
  for (const auto& s : stages_) total += s.second;
  std::string out;
  for (const auto& [name, seconds] : stages_) {
    char part[64];
    std::snprintf(part, sizeof part, " %.1f s (%.0f%%)", seconds,
                  total > 0 ? 100.0 * seconds / total : 0.0);
    out += (out.empty() ? "" : ", ") + name + part;
  }
  return out;
}

std::int64_t PeakResidentBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;  // Linux: kilobytes
}

}  // namespace getps
