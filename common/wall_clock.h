// WallClockSeconds: seconds since the Unix epoch, as records, status pages
// and fold logs stamp them ("time", "started", "finished").
#pragma once

#include <chrono>

namespace getps {

inline double WallClockSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace getps
