// BucketCollective: the sum over the replicas of one gradient bucket at a
// time, started without blocking (from an autograd hook, in the middle of
// the backward pass) and waited for later; one class per transport
// (MpiBucketCollective here; NcclBucketCollective in
// nccl_bucket_collective.h), driven by the GradientReducer.
//
// Contract: every replica starts the same buckets, with buffers of the same
// length and dtype, in the same order (the reducer guarantees it), as
// MPI's and NCCL's collectives require. A buffer must stay alive and
// untouched from Start until its Wait returns.
// Error contract: Wait throws Error(kTimeout) when the sum is not done
// within the collective's timeout (a peer is hung or lost), Error(kIOError)
// when the library reports a failure; after either the collective is
// unusable (the caller ends the run or rebuilds it).
// Thread safety: one thread at a time (the reducer's: the training thread,
// or autograd's device thread while the training thread waits in
// backward).
#pragma once

#include <torch/types.h>

#include <cstddef>

namespace getps {

class BucketCollective {
 public:
  virtual ~BucketCollective() = default;

  // Starts summing `buffer` (contiguous) in place across the replicas.
  virtual void Start(std::size_t id, torch::Tensor buffer) = 0;

  // Lets started sums progress without blocking (MPI moves a non-blocking
  // collective only inside MPI calls).
  virtual void Progress() = 0;

  // Until bucket `id`'s sum is in its buffer (see the error contract).
  virtual void Wait(std::size_t id) = 0;
};

}  // namespace getps
