// StepShard: windows [first, first + count) of one global step, as the
// coordinator grants them to a replica (kShardGrant; count 0: the step's
// windows are all handed out), and `left`, the step's windows not handed
// out after this grant (0: this is the replica's last shard of the step).
// See worker/transport.h, "Work".
#pragma once

#include <cstddef>

namespace getps {

struct StepShard {
  std::size_t first = 0, count = 0, left = 0;
};

}  // namespace getps
