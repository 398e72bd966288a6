#include "worker/gradient_reducer.h"

#include <torch/torch.h>
#include <cstdint>

#include <utility>

#include "common/error.h"

namespace getps {

std::vector<std::vector<std::size_t>> PlanBuckets(const std::vector<std::int64_t>& bytes,
                                                  std::int64_t bucket_bytes) {
  std::vector<std::vector<std::size_t>> buckets;
  std::int64_t filled = 0;
  for (std::size_t i = bytes.size(); i-- > 0;) {
    if (buckets.empty() || (filled > 0 && filled + bytes[i] > bucket_bytes)) {
      buckets.emplace_back();
      filled = 0;
    }
    buckets.back().push_back(i);
    filled += bytes[i];
  }
  return buckets;
}

GradientReducer::GradientReducer(std::vector<torch::Tensor> params, std::vector<std::string> names,
                                 const GradientReducerOptions& options,
                                 BucketCollective* collective)
    : params_(std::move(params)),
      names_(std::move(names)),
      options_(options),
      collective_(collective),
      slots_(params_.size()),
      in_(params_.size()),
      used_before_(params_.size(), 1) {
  if (names_.size() != params_.size())
    throw Error(ErrorCode::kInternal, "GradientReducer: a name per parameter");
  // One device: autograd runs a device's hooks on that device's thread, and
  // two devices' hooks could then run at once.
  for (const auto& p : params_)
    if (p.device() != params_.front().device())
      throw Error(ErrorCode::kInvalidArgument,
                  "the gradient buckets need every trainable parameter on one device");
  const auto element = static_cast<std::int64_t>(torch::elementSize(options_.wire));
  std::vector<std::int64_t> bytes;
  for (const auto& p : params_) bytes.push_back(p.numel() * element);
  for (auto& members : PlanBuckets(bytes, options_.bucket_bytes)) {
    Bucket bucket;
    std::int64_t offset = 0;
    for (const std::size_t i : members) {
      slots_[i] = {buckets_.size(), offset, 0};
      offset += params_[i].numel();
    }
    for (std::size_t k = 0; k < members.size(); ++k) slots_[members[k]].flag = offset + k;
    bucket.buffer =
        torch::zeros({offset + static_cast<std::int64_t>(members.size())},
                     torch::TensorOptions().dtype(options_.wire).device(options_.device));
    bucket.params = std::move(members);
    buckets_.push_back(std::move(bucket));
  }
  for (std::size_t i = 0; i < params_.size(); ++i)
    hooks_.push_back(params_[i].register_hook(
        [this, i](const torch::Tensor& incoming) { OnGradient(i, incoming); }));
  ResetStep();
}

GradientReducer::~GradientReducer() {
  for (std::size_t i = 0; i < hooks_.size(); ++i) params_[i].remove_hook(hooks_[i]);
}

void GradientReducer::ResetStep() {
  for (auto& bucket : buckets_) {
    bucket.buffer.zero_();
    bucket.pending = bucket.params.size();
    bucket.started = false;
  }
  std::fill(in_.begin(), in_.end(), 0);
  next_bucket_ = 0;
  armed_ = false;
  late_.clear();
}

// Copies `gradient` (undefined: none) into the parameter's place.
void GradientReducer::Fill(std::size_t param, const torch::Tensor& gradient) {
  const Slot& slot = slots_[param];
  auto& buffer = buckets_[slot.bucket].buffer;
  if (gradient.defined()) {
    buffer.narrow(0, slot.offset, params_[param].numel()).copy_(gradient.reshape({-1}));
    buffer[slot.flag].fill_(1);
  }
  if (!in_[param]) {
    in_[param] = 1;
    --buckets_[slot.bucket].pending;
  }
}

void GradientReducer::ArmForFinalBackward() {
  if (!options_.overlap) return;
  if (armed_) throw Error(ErrorCode::kInternal, "gradient buckets armed twice in one step");
  torch::NoGradGuard no_grad;
  armed_ = true;
  started_in_backward_ = 0;
  // What nobody used last step does not hold its bucket back; what this
  // replica's earlier batches of the step gave it is kept.
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (!used_before_[i]) Fill(i, params_[i].grad());
  StartReady();
}

// The parameter's hook: `incoming` is about to be added to its gradient.
void GradientReducer::OnGradient(std::size_t param, const torch::Tensor& incoming) {
  if (!armed_) return;
  torch::NoGradGuard no_grad;
  const Slot& slot = slots_[param];
  if (buckets_[slot.bucket].started) {
    late_.push_back(names_[param]);  // thrown by Finish, once the sums are consistent
    return;
  }
  const auto& so_far = params_[param].grad();
  if (!incoming.defined())
    Fill(param, so_far);
  else
    Fill(param, so_far.defined() ? so_far + incoming : incoming);
  if (buckets_[slot.bucket].pending == 0) StartReady();
  collective_->Progress();
}

// Starts the buckets whose parameters are all in, in bucket order.
void GradientReducer::StartReady() {
  while (next_bucket_ < buckets_.size() && buckets_[next_bucket_].pending == 0) {
    Bucket& bucket = buckets_[next_bucket_];
    collective_->Start(next_bucket_, bucket.buffer);
    bucket.started = true;
    if (armed_) ++started_in_backward_;
    ++next_bucket_;
  }
}

void GradientReducer::Finish() {
  torch::NoGradGuard no_grad;
  if (!armed_) started_in_backward_ = 0;
  armed_ = false;
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (!in_[i]) Fill(i, params_[i].grad());
  StartReady();
  for (std::size_t b = 0; b < buckets_.size(); ++b) collective_->Wait(b);
  for (const auto& bucket : buckets_) {
    const std::int64_t n = static_cast<std::int64_t>(bucket.params.size());
    const auto flags = bucket.buffer.narrow(0, bucket.buffer.numel() - n, n)
                           .to(torch::TensorOptions().dtype(torch::kFloat32).device(torch::kCPU));
    const float* used = flags.data_ptr<float>();
    for (std::int64_t k = 0; k < n; ++k) {
      const std::size_t i = bucket.params[static_cast<std::size_t>(k)];
      torch::Tensor& p = params_[i];
      used_before_[i] = used[k] > 0;
      if (!used_before_[i]) {
        p.mutable_grad() = torch::Tensor();
        continue;
      }
      const auto sum = bucket.buffer.narrow(0, slots_[i].offset, p.numel()).view_as(p);
      if (p.grad().defined())
        p.mutable_grad().copy_(sum);
      else
        p.mutable_grad() = sum.to(p.options(), /*non_blocking=*/false, /*copy=*/true);
    }
  }
  const std::vector<std::string> late = late_;
  ResetStep();
  if (!late.empty())
    throw Error(ErrorCode::kInternal,
                "parameter " + late.front() +
                    " got a gradient after its bucket was sent (the model's graph changed "
                    "between steps); run with --overlap off");
}

}  // namespace getps
