// GradientReducer: sums the gradients of a module's trainable parameters
// over the replicas in buckets, each bucket's sum started from autograd
// hooks as soon as its gradients are final, so that communication overlaps
// the rest of the backward pass (the pattern of PyTorch c10d's Reducer).
//
// Buckets: the parameters in reverse registration order (the order in which
// backward produces their gradients: last layers first), cut into buckets of
// at most `bucket_bytes` (a larger parameter has a bucket of its own). A
// bucket's buffer holds its gradients flattened, then one flag per
// parameter (1: this replica has a gradient for it), so that one sum says
// both the summed gradient and whether any replica had one.
//
// A step: ArmForFinalBackward() before the replica's last backward pass of
// the step (earlier ones only accumulate); each parameter's hook then copies
// its final gradient (the one accumulated so far plus the incoming one)
// into its bucket, and a bucket whose parameters are all in is started, in
// bucket order (every replica starts the same buckets in the same order).
// Finish() after the backward passes starts what is left (the buckets of a
// replica that trained nothing this step, or of parameters without a
// gradient), waits for every bucket and writes the sums back as the
// gradients. A parameter no replica had a gradient for is left without one
// (AdamW then skips it, as in one process); one only this replica lacked
// gets the others' sum.
//
// Unused parameters: a parameter no replica had a gradient for in the last
// step counts as in from the start of the next (its flag 0), so it does not
// hold its bucket back; were it to get a gradient after its bucket was
// started, Finish throws Error(kInternal) naming it (the model's graph
// changed between steps: run with --overlap off).
//
// With overlap off, hooks do nothing and Finish does all the work (the same
// buckets, the same sums, after backward).
//
// Ownership: holds the parameters (shared tensors) and their hooks, removed
// on destruction; the collective is not owned and outlives this.
// Thread safety: one thread at a time: the training thread, and the hooks
// on the thread autograd runs them on (the training thread for CPU
// tensors, the engine's device thread for CUDA ones) while the training
// thread waits in backward.
#pragma once

#include <torch/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/enum_names.h"
#include "worker/bucket_collective.h"

namespace getps {

// The default bucket size (--bucket-mb), as c10d's.
inline constexpr double kDefaultBucketMb = 25;

// --overlap: buckets summed during backward (on), after it (off), or on
// where the parameters are on a GPU and off on CPU (auto). On CPU the
// cores doing backward are the ones that would move the bytes: measured
// slower there (docs/benchmarks.md, bench/overlap_bench.cc).
enum class Overlap { kAuto, kOn, kOff };
inline constexpr EnumNames<Overlap, 3> kOverlapModes{
    {{{Overlap::kAuto, "auto"}, {Overlap::kOn, "on"}, {Overlap::kOff, "off"}}}};

// Whether `mode` overlaps for parameters on `device`.
inline bool Overlaps(Overlap mode, const torch::Device& device) {
  return mode == Overlap::kOn || (mode == Overlap::kAuto && device.is_cuda());
}

struct GradientReducerOptions {
  std::int64_t bucket_bytes = static_cast<std::int64_t>(kDefaultBucketMb * (1 << 20));
  bool overlap = true;                  // start buckets from the hooks
  torch::Dtype wire = torch::kFloat32;  // the buckets' dtype (NCCL: bf16 too)
  torch::Device device = torch::kCPU;   // where the buffers live
};

// Parameter indices (into `bytes`) per bucket, in reverse order, each bucket
// at most `bucket_bytes` unless a single parameter is larger.
std::vector<std::vector<std::size_t>> PlanBuckets(const std::vector<std::int64_t>& bytes,
                                                  std::int64_t bucket_bytes);

class GradientReducer {
 public:
  // `names` label the parameters in errors (same length as `params`); the
  // parameters must be on one device (else Error(kInvalidArgument)).
  GradientReducer(std::vector<torch::Tensor> params, std::vector<std::string> names,
                  const GradientReducerOptions& options, BucketCollective* collective);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  void ArmForFinalBackward();
  void Finish();

  std::size_t buckets() const { return buckets_.size(); }
  // Buckets started before Finish in the last step (by the hooks, or when
  // armed, for buckets of parameters nobody used): how much could overlap.
  std::size_t started_in_backward() const { return started_in_backward_; }

 private:
  struct Slot {  // a parameter's place
    std::size_t bucket = 0;
    std::int64_t offset = 0;  // of its gradient in the bucket's buffer
    std::int64_t flag = 0;    // index of its flag there
  };
  struct Bucket {
    std::vector<std::size_t> params;
    torch::Tensor buffer;
    std::size_t pending = 0;  // parameters not yet in
    bool started = false;
  };

  void OnGradient(std::size_t param, const torch::Tensor& incoming);
  void Fill(std::size_t param, const torch::Tensor& gradient);
  void StartReady();
  void ResetStep();

  std::vector<torch::Tensor> params_;
  std::vector<std::string> names_;
  GradientReducerOptions options_;
  BucketCollective* collective_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  std::vector<unsigned> hooks_;
  std::vector<char> in_;           // this step: the parameter's gradient is in its bucket
  std::vector<char> used_before_;  // some replica had a gradient for it last step
  std::vector<std::string> late_;  // parameters whose gradient came after their bucket left
  bool armed_ = false;
  std::size_t next_bucket_ = 0;  // the first bucket not yet started
  std::size_t started_in_backward_ = 0;
};

}  // namespace getps
