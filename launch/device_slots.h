// DeviceSlots: how a sweep packs folds onto an allocation's GPUs. Each fold
// gets `per_fold` GPUs of its own (CUDA_VISIBLE_DEVICES), so on 16 GPUs
// small fine-tunes run side by side, 16 / per_fold at a time, instead of
// each taking all 16. Without GPUs, `cpu_parallel` folds run at a time on
// the CPU. Not thread-safe; owned by the sweep's scheduling loop.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace getps::cli {

class DeviceSlots {
 public:
  // `devices`: CUDA device ids; empty means CPU. Throws
  // Error(kInvalidArgument) when per_fold < 1 or exceeds the devices.
  DeviceSlots(std::vector<int> devices, int per_fold, int cpu_parallel);

  bool gpus() const { return !devices_.empty(); }
  int per_fold() const { return per_fold_; }
  // Folds that can run at the same time.
  int capacity() const { return capacity_; }

  // The devices of a free slot (empty on CPU), or nullopt when every slot
  // is taken. Release gives them back.
  std::optional<std::vector<int>> Acquire();
  void Release(const std::vector<int>& devices);

 private:
  std::vector<int> devices_;
  std::vector<bool> busy_;  // per device
  int per_fold_, capacity_, cpu_running_ = 0;
};

// "auto": every visible CUDA device (none on a CPU machine); "" or "none":
// none; else a comma list of ids, each below `visible` unless `visible` is
// 0 (ids are then trusted as given). Throws Error(kInvalidArgument) naming
// a bad or repeated id.
std::vector<int> ParseDevices(const std::string& text, int visible);

// "0,1" for CUDA_VISIBLE_DEVICES.
std::string DeviceList(const std::vector<int>& devices);

}  // namespace getps::cli
