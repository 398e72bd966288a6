#include "worker/epoch_clock.h"

#include <algorithm>

namespace getps {

nlohmann::json EpochClock::Throughput(const std::vector<double>& r) {
  auto out = nlohmann::json::array();
  for (std::size_t i = 0; i + 5 <= r.size(); i += 5) {
    out.push_back({{"replica", i / 5},
                   {"windows", r[i]},
                   {"samples_per_s", r[i] / std::max(r[i + 1], 1e-9)},
                   {"wall_s", r[i + 1]},
                   {"compute_s", r[i + 2]},
                   {"data_wait_s", r[i + 3]},
                   {"communication_s", r[i + 4]}});
  }
  return out;
}

}  // namespace getps
