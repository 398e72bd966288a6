#include "protocol/run_progress.h"

#include "common/wall_clock.h"

namespace getps {

RunProgress::RunProgress(std::string run_dir) {
  s_.run_dir = std::move(run_dir);
  s_.state = "starting";
  s_.started = WallClockSeconds();
}

void RunProgress::Set(const std::string& name, double value, const std::string& help) {
  std::lock_guard<std::mutex> lock(mu_);
  Gauge& g = s_.gauges[name];
  g.value = value;
  if (!help.empty()) g.help = help;
}

void RunProgress::SetState(const std::string& state) {
  std::lock_guard<std::mutex> lock(mu_);
  s_.state = state;
}

RunProgress::Snapshot RunProgress::Read() const {
  std::lock_guard<std::mutex> lock(mu_);
  return s_;
}

}  // namespace getps
