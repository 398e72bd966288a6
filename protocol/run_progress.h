// RunProgress: the live figures of a training run (epoch, step, losses,
// throughput, replicas), set by the training loop or the coordinator and
// read by the status server (status_server.h) on its own thread. Every
// member is thread-safe. Gauges are named as Prometheus metrics without the
// "getps_" prefix, e.g. "step" or "train_loss".
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace getps {

class RunProgress {
 public:
  explicit RunProgress(std::string run_dir);

  // Sets gauge `name` (declared with its help text on first use).
  void Set(const std::string& name, double value, const std::string& help = "");
  // "starting", "training", "evaluating", "done", ...
  void SetState(const std::string& state);

  struct Gauge {
    double value = 0;
    std::string help;
  };
  struct Snapshot {
    std::string run_dir, state;
    double started = 0;  // wall-clock seconds
    std::map<std::string, Gauge> gauges;
  };
  Snapshot Read() const;

 private:
  mutable std::mutex mu_;
  Snapshot s_;  // guarded by mu_
};

}  // namespace getps
