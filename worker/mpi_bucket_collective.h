// MpiBucketCollective: the BucketCollective (bucket_collective.h) of --sync
// mpi, one MPI_Iallreduce (MPI_SUM, float32) per bucket on the replicas'
// communicator, progressed with MPI_Test from the reducer's hooks and
// waited for by polling MPI_Test up to `timeout` (or, `blocking`, one
// MPI_Allreduce each, done when Start returns). Destroyed with sums in
// flight (an error unwound the step), it keeps their buffers for the life
// of the process: MPI may still write into them until MPI_Abort.
//
// Ownership: the communicator is not owned and outlives this.
// Thread safety: one thread (see bucket_collective.h).
#pragma once

#include <mpi.h>

#include <chrono>
#include <map>

#include "worker/bucket_collective.h"

namespace getps {

struct MpiBucketCollectiveOptions {
  MPI_Comm comm = MPI_COMM_NULL;
  std::chrono::milliseconds timeout{300000};  // one bucket's Wait
  // Start sums at once with a blocking MPI_Allreduce (for buckets summed
  // after backward: OpenMPI's blocking algorithms measured about 2x faster
  // than its non-blocking ones on shared memory); not bounded by `timeout`.
  bool blocking = false;
};

class MpiBucketCollective : public BucketCollective {
 public:
  explicit MpiBucketCollective(const MpiBucketCollectiveOptions& options);
  ~MpiBucketCollective() override;

  void Start(std::size_t id, torch::Tensor buffer) override;
  void Progress() override;
  void Wait(std::size_t id) override;

 private:
  struct InFlight {
    MPI_Request request = MPI_REQUEST_NULL;
    torch::Tensor buffer;  // kept alive while MPI may write into it
  };
  MpiBucketCollectiveOptions options_;
  std::map<std::size_t, InFlight> in_flight_;
};

}  // namespace getps
