#include "worker/model/train_options.h"

#include <c10/util/Exception.h>

#include "common/error.h"

namespace getps {

c10::Device DeviceNamed(const std::string& option, const std::string& text) {
  try {
    const c10::Device device(text);
    if (device.is_cpu() || device.is_cuda()) return device;
  } catch (const c10::Error&) {
  }
  throw Error(ErrorCode::kInvalidArgument,
              option + " must be cpu, cuda or cuda:N, not '" + text + "'");
}

}  // namespace getps
