#include "worker/model/autocast.h"

#include <ATen/autocast_mode.h>

#include "common/error.h"

namespace getps {

Precision Resolved(Precision precision, c10::DeviceType device) {
  if (precision != Precision::kAuto) return precision;
  return device == c10::DeviceType::CUDA ? Precision::kBf16 : Precision::kFp32;
}

Precision PrecisionNamed(const std::string& name, c10::DeviceType device) {
  return Resolved(kPrecisions.Parse("--precision", name), device);
}

AutocastScope::AutocastScope(c10::DeviceType device, Precision precision)
    : device_(device), active_(Resolved(precision, device) == Precision::kBf16) {
  if (!active_) return;
  was_enabled_ = at::autocast::is_autocast_enabled(device_);
  previous_dtype_ = at::autocast::get_autocast_dtype(device_);
  at::autocast::set_autocast_enabled(device_, true);
  at::autocast::set_autocast_dtype(device_, at::kBFloat16);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // The cast-weight cache lives for the outermost scope only.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(device_, was_enabled_);
  at::autocast::set_autocast_dtype(device_, previous_dtype_);
}

}  // namespace getps
