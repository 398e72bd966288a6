#include "worker/mpi_transport.h"

#include <torch/torch.h>
#include <unistd.h>

#include <sstream>
#include <utility>

#include "common/error.h"
#include "common/host_name.h"
#include "worker/model/tensor_frames.h"
#include "worker/mpi_error.h"

namespace getps {
namespace {

Hello MpiHello(int mpi_rank) {
  Hello hello;
  hello.host = HostName();
  hello.mpi_rank = mpi_rank;
  return hello;
}

}  // namespace

MpiTransport::MpiTransport(const MpiTransportOptions& options)
    : CoordinatedTransport(options.control, MpiHello(options.mpi_rank)), options_(options) {
  if (options_.replicas == MPI_COMM_NULL)
    throw Error(ErrorCode::kInvalidArgument, "--sync mpi replicas must be started by mpirun");
  CheckMpi(MPI_Comm_rank(options_.replicas, &rank_), "Comm_rank");
  CheckMpi(MPI_Comm_size(options_.replicas, &size_), "Comm_size");
}

// Replica 0's weights to every replica.
void MpiTransport::BroadcastParameters(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    auto cpu = p.detach().to(torch::kCPU).contiguous();
    CheckMpi(
        MPI_Bcast(cpu.data_ptr(), static_cast<int>(cpu.nbytes()), MPI_BYTE, 0, options_.replicas),
        "Bcast of the weights");
    p.copy_(cpu);
  }
}

// Replica 0's `text` on every replica.
std::string MpiTransport::BroadcastText(std::string text) {
  int n = static_cast<int>(text.size());
  CheckMpi(MPI_Bcast(&n, 1, MPI_INT, 0, options_.replicas), "Bcast of a length");
  text.resize(static_cast<std::size_t>(n));
  CheckMpi(MPI_Bcast(text.data(), n, MPI_CHAR, 0, options_.replicas), "Bcast of bytes");
  return text;
}

// The reducer is built at the first Join, over the parameters training
// will update (requires_grad settled by then: --freeze, --lora).
Membership MpiTransport::Join(torch::nn::Module& module) {
  BroadcastParameters(module);
  if (!reducer_) {
    std::vector<torch::Tensor> params;
    std::vector<std::string> names;
    for (const auto& item : module.named_parameters())
      if (item.value().requires_grad()) {
        params.push_back(item.value());
        names.push_back(item.key());
      }
    GradientReducerOptions buckets = options_.buckets;
    collective_ = MakeCollective(module, &buckets);
    reducer_ = std::make_unique<GradientReducer>(std::move(params), std::move(names), buckets,
                                                 collective_.get());
  }
  Membership membership;
  membership.replica = rank_;
  membership.replicas = size_;
  return membership;
}

std::unique_ptr<BucketCollective> MpiTransport::MakeCollective(torch::nn::Module& module,
                                                               GradientReducerOptions* buckets) {
  buckets->wire = torch::kFloat32;
  buckets->device = torch::kCPU;
  buckets->overlap = Overlaps(options_.overlap, module.parameters().front().device());
  return std::make_unique<MpiBucketCollective>(
      MpiBucketCollectiveOptions{options_.replicas, options_.control.timeout, !buckets->overlap});
}

void MpiTransport::BeforeFinalBackward() { reducer_->ArmForFinalBackward(); }

// The buckets' sums are the gradients (gradient_reducer.h: a parameter no
// replica used keeps none; one only this replica missed gets the others').
bool MpiTransport::SynchroniseGradients(torch::nn::Module&, const GradientSyncOptions&) {
  reducer_->Finish();
  return false;
}

std::vector<double> MpiTransport::Sum(std::vector<double> values) {
  CheckMpi(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE,
                         MPI_SUM, options_.replicas),
           "Allreduce of scalars");
  return values;
}

std::vector<double> MpiTransport::GatherToFirst(const std::vector<double>& values) {
  int count = static_cast<int>(values.size());
  std::vector<int> counts(static_cast<std::size_t>(size_)), offsets(counts.size());
  CheckMpi(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, options_.replicas),
           "Gather of counts");
  std::vector<double> all;
  if (rank_ == 0) {
    for (std::size_t i = 1; i < counts.size(); ++i) offsets[i] = offsets[i - 1] + counts[i - 1];
    all.resize(static_cast<std::size_t>(offsets.back() + counts.back()));
  }
  CheckMpi(MPI_Gatherv(values.data(), count, MPI_DOUBLE, all.data(), counts.data(), offsets.data(),
                       MPI_DOUBLE, 0, options_.replicas),
           "Gatherv of results");
  return all;
}

// Replica 0 fetches it and hands it on over MPI (the coordinator sends it
// once, not once per replica). The barrier first: the coordinator starts
// the run once every replica has said hello, and a pull before that would
// be answered stale.
std::optional<ResumePoint> MpiTransport::LoadStateOfRecord(torch::nn::Module& module,
                                                           torch::optim::Optimizer& optimizer) {
  CheckMpi(MPI_Barrier(options_.replicas), "Barrier before the resume");
  nlohmann::json head;  // dir and meta; null: none
  if (rank_ == 0) {
    if (const auto state = link_.Pull(PullKind::kStateOfRecord)) {
      LoadTrainingState(module, optimizer, state->tensors,
                        "the coordinator's checkpoint " + *state->dir);
      head = {{"dir", *state->dir}, {"meta", state->meta.value_or(nlohmann::json())}};
    }
  }
  const std::string text = BroadcastText(head.is_null() ? "" : head.dump());
  if (text.empty()) return std::nullopt;
  head = nlohmann::json::parse(text);
  BroadcastParameters(module);
  std::ostringstream bytes;
  if (rank_ == 0) torch::save(optimizer, bytes);
  std::istringstream optimizer_bytes(BroadcastText(bytes.str()));
  if (rank_ != 0) torch::load(optimizer, optimizer_bytes);
  return ResumePoint{head.at("dir"), head.at("meta"), "the coordinator's "};
}

// Replica 0 sends its state (the coordinator holds no copy of the
// weights); its answer reaches the others with the broadcast.
bool MpiTransport::Checkpoint(const CommitOptions& commit, torch::nn::Module& module,
                              torch::optim::Optimizer& optimizer) {
  int written = 1;
  if (rank_ == 0) {
    CheckpointRequest request{commit.meta, commit.is_best, TrainingStateFrames(module, optimizer)};
    written = link_.Commit(commit.step, std::move(request)) ? 1 : 0;
  }
  CheckMpi(MPI_Bcast(&written, 1, MPI_INT, 0, options_.replicas), "Bcast of the checkpoint");
  return written == 1;
}

}  // namespace getps
