// StepShard: windows [first, first + count) of one global step, as the
// coordinator grants them to a replica (kShardGrant; count 0: the step's
// windows are all handed out). See worker/data_parallel.h, "Work".
#pragma once

#include <cstddef>

namespace getps {

struct StepShard {
  std::size_t first = 0, count = 0;
};

}  // namespace getps
