#include "launch/device_slots.h"

#include <algorithm>
#include <cstdint>

#include "common/error.h"
#include "common/parse.h"
#include "launch/command_line.h"

namespace getps::cli {

DeviceSlots::DeviceSlots(std::vector<int> devices, int per_fold, int cpu_parallel)
    : devices_(std::move(devices)), busy_(devices_.size(), false), per_fold_(per_fold) {
  if (per_fold < 1) throw Error(ErrorCode::kInvalidArgument, "--gpus-per-fold must be at least 1");
  if (gpus() && per_fold > static_cast<int>(devices_.size()))
    throw Error(ErrorCode::kInvalidArgument, "--gpus-per-fold " + std::to_string(per_fold) +
                                                 " exceeds the " + std::to_string(devices_.size()) +
                                                 " GPU(s) of --devices");
  capacity_ = gpus() ? static_cast<int>(devices_.size()) / per_fold : std::max(1, cpu_parallel);
}

std::optional<std::vector<int>> DeviceSlots::Acquire() {
  if (!gpus()) {
    if (cpu_running_ >= capacity_) return std::nullopt;
    ++cpu_running_;
    return std::vector<int>{};
  }
  std::vector<int> got;
  for (std::size_t i = 0; i < devices_.size() && static_cast<int>(got.size()) < per_fold_; ++i)
    if (!busy_[i]) got.push_back(static_cast<int>(i));
  if (static_cast<int>(got.size()) < per_fold_) return std::nullopt;
  std::vector<int> ids;
  for (int i : got) {
    busy_[static_cast<std::size_t>(i)] = true;
    ids.push_back(devices_[static_cast<std::size_t>(i)]);
  }
  return ids;
}

void DeviceSlots::Release(const std::vector<int>& ids) {
  if (!gpus()) {
    cpu_running_ = std::max(0, cpu_running_ - 1);
    return;
  }
  for (int id : ids) {
    auto it = std::find(devices_.begin(), devices_.end(), id);
    if (it != devices_.end()) busy_[static_cast<std::size_t>(it - devices_.begin())] = false;
  }
}

std::vector<int> ParseDevices(const std::string& text, int visible) {
  std::vector<int> ids;
  if (text.empty() || text == "none") return ids;
  if (text == "auto") {
    for (int i = 0; i < visible; ++i) ids.push_back(i);
    return ids;
  }
  for (const std::string& word : SplitList(text)) {
    std::uint32_t parsed = 0;
    const int id =
        ParseUint32(word, &parsed) && parsed <= INT32_MAX ? static_cast<int>(parsed) : -1;
    if (id < 0 || (visible > 0 && id >= visible))
      throw Error(ErrorCode::kInvalidArgument,
                  "--devices: '" + word + "' is not a GPU id" +
                      (visible > 0 ? " below " + std::to_string(visible) : std::string()));
    if (std::find(ids.begin(), ids.end(), id) != ids.end())
      throw Error(ErrorCode::kInvalidArgument, "--devices: GPU " + word + " is listed twice");
    ids.push_back(id);
  }
  return ids;
}

std::string DeviceList(const std::vector<int>& devices) {
  std::string s;
  for (int d : devices) s += (s.empty() ? "" : ",") + std::to_string(d);
  return s;
}

}  // namespace getps::cli
