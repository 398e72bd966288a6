// AutocastScope: bf16 mixed precision for the forward passes made while it
// lives (LibTorch's autocast, the C++ side of torch.autocast). Matmuls,
// linear layers and attention run in bfloat16; reductions, norms and losses
// stay in fp32. Used on CUDA by default (--precision auto) and on CPU when
// asked (--precision bf16), which is how the tests exercise it without a GPU.
// Scopes nest; the outermost one restores the previous state on exit.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

#include "worker/model/train_options.h"

namespace getps {

// kFp32 or kBf16: what `precision` (kAuto: bf16 on CUDA, fp32 elsewhere)
// means on `device`.
Precision Resolved(Precision precision, c10::DeviceType device);

// The same for a --precision word ("fp32", "bf16", "auto"). Throws
// Error(kInvalidArgument) naming the option on anything else.
Precision PrecisionNamed(const std::string& name, c10::DeviceType device);

class AutocastScope {
 public:
  // Active when `precision` is (or resolves to) kBf16 on `device`.
  AutocastScope(c10::DeviceType device, Precision precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  c10::DeviceType device_;
  bool active_;
  bool was_enabled_ = false;
  c10::ScalarType previous_dtype_ = c10::ScalarType::Float;
};

}  // namespace getps
