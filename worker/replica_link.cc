#include "worker/replica_link.h"

#include <torch/torch.h>
#include <unistd.h>

#include <sstream>
#include <utility>

#include "common/error.h"
#include "worker/tensor_frames.h"

namespace getps {
namespace {

void CheckMpi(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw Error(ErrorCode::kIOError, std::string("MPI: ") + what + " failed");
}

Message Expect(Message m, MessageType type) {
  if (m.type != type)
    throw Error(ErrorCode::kInternal, std::string("coordinator answered ") +
                                          MessageTypeName(m.type) + ", expected " +
                                          MessageTypeName(type));
  return m;
}

std::vector<torch::Tensor> TrainableParameters(torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (auto& p : module.parameters())
    if (p.requires_grad()) out.push_back(p);
  return out;
}

}  // namespace

SyncMode SyncModeNamed(const std::string& name) {
  if (name == "mpi") return SyncMode::kMpi;
  if (name == "ps") return SyncMode::kParameterServer;
  throw Error(ErrorCode::kInvalidArgument,
              "--sync must be mpi or ps here, not '" + name +
                  "' (nccl needs a CUDA build with NCCL, not built yet)");
}

ReplicaLink::ReplicaLink(const ReplicaLinkOptions& options)
    : options_(options), client_(options.control) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  nlohmann::json hello = {{"host", host}};
  if (options_.mpi_rank >= 0) hello["mpi_rank"] = options_.mpi_rank;
  welcome_ = client_.Join(hello);
  if (options_.sync == SyncMode::kMpi) {
    if (options_.replicas == MPI_COMM_NULL)
      throw Error(ErrorCode::kInvalidArgument, "--sync mpi replicas must be started by mpirun");
    CheckMpi(MPI_Comm_rank(options_.replicas, &rank_), "Comm_rank");
    CheckMpi(MPI_Comm_size(options_.replicas, &size_), "Comm_size");
  } else {
    options_.bf16_wire = welcome_.value("wire", std::string("fp32")) == "bf16";
    if (welcome_.contains("servers"))
      shards_ = std::make_unique<ParameterShardLink>(welcome_["servers"], options_.control);
  }
}

Message ReplicaLink::Await(MessageType expected, std::chrono::milliseconds timeout) {
  while (true) {
    Message m = client_.Receive(timeout);
    if (m.type == MessageType::kStale) {
      // News only while in a generation older than the notice's.
      if (expected != MessageType::kGeneration && m.generation > generation_)
        throw GenerationChanged("generation " + std::to_string(generation_) +
                                " is over: the run is now in generation " +
                                std::to_string(m.generation));
      continue;
    }
    if (m.type == MessageType::kReject)
      throw Error(ErrorCode::kRefused, "the coordinator refused this replica: " +
                                           m.body.value("reason", std::string("no reason")));
    return Expect(std::move(m), expected);
  }
}

void ReplicaLink::Send(Message m) {
  m.generation = generation_;
  client_.Send(m);
}

Message ReplicaLink::Call(Message m, MessageType expected) {
  Send(std::move(m));
  return Await(expected, options_.control.timeout);
}

// A coordinator round trip: it answers once every replica sent its part.
std::vector<double> ReplicaLink::Reduce(const std::string& op, const std::vector<double>& values) {
  Message m;
  m.type = MessageType::kReduce;
  m.body = {{"op", op}, {"values", values}};
  return Call(m, MessageType::kReduce).body.at("values").get<std::vector<double>>();
}

// mpi: replica 0's weights to every replica.
void ReplicaLink::BroadcastParameters(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    auto cpu = p.detach().to(torch::kCPU).contiguous();
    CheckMpi(
        MPI_Bcast(cpu.data_ptr(), static_cast<int>(cpu.nbytes()), MPI_BYTE, 0, options_.replicas),
        "Bcast of the weights");
    p.copy_(cpu);
  }
}

// mpi: replica 0's `text` on every replica.
std::string ReplicaLink::BroadcastText(std::string text) {
  int n = static_cast<int>(text.size());
  CheckMpi(MPI_Bcast(&n, 1, MPI_INT, 0, options_.replicas), "Bcast of a length");
  text.resize(static_cast<std::size_t>(n));
  CheckMpi(MPI_Bcast(text.data(), n, MPI_CHAR, 0, options_.replicas), "Bcast of bytes");
  return text;
}

Membership ReplicaLink::Join(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  Membership membership;
  if (options_.sync == SyncMode::kParameterServer) {
    Message rendezvous;
    rendezvous.type = MessageType::kRendezvous;
    Send(rendezvous);
    // The coordinator may wait for replicas to join (--min-workers).
    const auto wait =
        options_.control.timeout + std::chrono::milliseconds(static_cast<std::int64_t>(
                                       1000 * welcome_.value("rendezvous_timeout_s", 0.0)));
    const Message start = Await(MessageType::kGeneration, wait);
    generation_ = start.generation;
    shard_step_ = -1;  // a rolled-back generation may take the same step again
    shard_windows_ = 0;
    rank_ = start.body.at("replica").get<int>();
    size_ = start.body.at("replicas").get<int>();
    CopyIntoParameters(module, start.tensors, "the parameter server");
    membership.generation = static_cast<int>(generation_);
    membership.carries_state = true;
    membership.commit = start.body.at("commit");
  } else {
    BroadcastParameters(module);
  }
  membership.replica = rank_;
  membership.replicas = size_;
  return membership;
}

StepShard ReplicaLink::NextShard(std::int64_t step, std::size_t windows, std::size_t shard) {
  Message m;
  m.type = MessageType::kShardRequest;
  m.step = static_cast<std::uint64_t>(step);
  m.body = {{"windows", windows}, {"shard", shard}};
  const Message grant = Call(m, MessageType::kShardGrant);
  const StepShard out{grant.body.at("first").get<std::size_t>(),
                      grant.body.at("count").get<std::size_t>()};
  if (out.count > shard || out.first + out.count > windows)
    throw Error(ErrorCode::kInternal,
                "the coordinator granted windows " + std::to_string(out.first) + "+" +
                    std::to_string(out.count) + " of a step of " + std::to_string(windows));
  if (step != shard_step_) shard_windows_ = 0;
  shard_step_ = step;
  shard_windows_ += out.count;
  return out;
}

bool ReplicaLink::SynchroniseGradients(torch::nn::Module& module, std::int64_t step, double lr,
                                       double clip) {
  torch::NoGradGuard no_grad;
  if (options_.sync == SyncMode::kMpi) {
    // A parameter no replica used keeps no gradient (AdamW then skips it, as
    // in one process); one only this replica's slice missed gets zeros.
    auto all_params = TrainableParameters(module);
    std::vector<int> used(all_params.size());
    for (std::size_t i = 0; i < used.size(); ++i) used[i] = all_params[i].grad().defined();
    CheckMpi(MPI_Allreduce(MPI_IN_PLACE, used.data(), static_cast<int>(used.size()), MPI_INT,
                           MPI_MAX, options_.replicas),
             "Allreduce of the used-parameter flags");
    std::vector<torch::Tensor> params;
    for (std::size_t i = 0; i < used.size(); ++i) {
      if (!used[i]) continue;
      if (!all_params[i].grad().defined())
        all_params[i].mutable_grad() = torch::zeros_like(all_params[i]);
      params.push_back(all_params[i]);
    }
    if (params.empty()) return false;
    std::vector<torch::Tensor> flat;
    for (auto& p : params) flat.push_back(p.grad().reshape({-1}));
    auto all = torch::cat(flat).to(torch::kCPU).contiguous();
    CheckMpi(MPI_Allreduce(MPI_IN_PLACE, all.data_ptr<float>(), static_cast<int>(all.numel()),
                           MPI_FLOAT, MPI_SUM, options_.replicas),
             "Allreduce of the gradients");
    std::int64_t offset = 0;
    for (auto& p : params) {
      p.grad().copy_(all.narrow(0, offset, p.numel()).view_as(p));
      offset += p.numel();
    }
    return false;
  }
  if (shards_) {
    shards_->Exchange(
        module, {step, generation_, rank_, lr, clip, !hands_out_shards(), options_.bf16_wire});
    return true;
  }
  Message push;
  push.type = MessageType::kPushGradients;
  push.step = static_cast<std::uint64_t>(step);
  push.body = {{"lr", lr}, {"clip", clip}};
  if (hands_out_shards()) push.body["windows"] = step == shard_step_ ? shard_windows_ : 0;
  for (const auto& p : module.named_parameters()) {  // unused ones stay without gradient
    if (p.value().requires_grad() && p.value().grad().defined())
      push.tensors.push_back(FrameOf(
          p.key(), options_.bf16_wire ? p.value().grad().to(torch::kBFloat16) : p.value().grad()));
  }
  CopyIntoParameters(module, Call(push, MessageType::kParameters).tensors, "the parameter server");
  return true;
}

std::vector<double> ReplicaLink::Sum(std::vector<double> values) {
  if (options_.sync == SyncMode::kParameterServer) return Reduce("sum", values);
  CheckMpi(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE,
                         MPI_SUM, options_.replicas),
           "Allreduce of scalars");
  return values;
}

std::vector<double> ReplicaLink::GatherToFirst(const std::vector<double>& values) {
  if (options_.sync == SyncMode::kParameterServer) return Reduce("gather", values);
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

std::optional<Message> ReplicaLink::Pull(const std::string& checkpoint) {
  Message m;
  m.type = MessageType::kPullParameters;
  m.body = {{"checkpoint", checkpoint}};
  Message reply = Call(m, MessageType::kParameters);
  if (reply.body.value("dir", std::string()).empty()) return std::nullopt;
  return reply;
}

std::optional<std::string> ReplicaLink::LoadBest(torch::nn::Module& module) {
  const auto best = Pull("best");
  if (!best) return std::nullopt;
  const std::string dir = best->body.at("dir");
  torch::NoGradGuard no_grad;
  CopyIntoParameters(module, best->tensors, "the coordinator's best checkpoint " + dir);
  return dir;
}

// Replica 0 fetches it and hands it on over MPI (the coordinator sends it
// once, not once per replica). The barrier first: the coordinator starts
// the run once every replica has said hello, and a pull before that would
// be answered stale.
std::optional<ResumePoint> ReplicaLink::LoadStateOfRecord(torch::nn::Module& module,
                                                          torch::optim::Optimizer& optimizer) {
  const bool mpi = options_.sync == SyncMode::kMpi;
  if (mpi) CheckMpi(MPI_Barrier(options_.replicas), "Barrier before the resume");
  nlohmann::json head;  // dir and meta; null: none
  if (rank_ == 0 || !mpi) {
    if (const auto state = Pull("state of record")) {
      LoadTrainingState(module, optimizer, state->tensors,
                        "the coordinator's checkpoint " + state->body.at("dir").get<std::string>());
      head = {{"dir", state->body.at("dir")}, {"meta", state->body.at("meta")}};
    }
  }
  if (mpi) {
    const std::string text = BroadcastText(head.is_null() ? "" : head.dump());
    if (text.empty()) return std::nullopt;
    head = nlohmann::json::parse(text);
    BroadcastParameters(module);
    std::ostringstream bytes;
    if (rank_ == 0) torch::save(optimizer, bytes);
    std::istringstream optimizer_bytes(BroadcastText(bytes.str()));
    if (rank_ != 0) torch::load(optimizer, optimizer_bytes);
  }
  if (head.is_null()) return std::nullopt;
  return ResumePoint{head.at("dir"), head.at("meta")};
}

void ReplicaLink::WriteRunFile(const std::string& name, const std::string& text) {
  Message m;
  m.type = MessageType::kRunFile;
  m.body = {{"name", name}, {"text", text}};
  Send(m);
}

void ReplicaLink::Record(const nlohmann::json& record) {
  Message m;
  m.type = MessageType::kMetrics;
  m.body = {{"record", record}};
  Send(m);
}

bool ReplicaLink::Checkpoint(std::int64_t step, torch::nn::Module& module,
                             torch::optim::Optimizer& optimizer, const nlohmann::json& meta,
                             bool is_best) {
  const bool ps = options_.sync == SyncMode::kParameterServer;
  int written = 1;
  if (rank_ == 0 || ps) {  // ps: every replica's message is the barrier
    Message m;
    m.type = MessageType::kCheckpoint;
    m.step = static_cast<std::uint64_t>(step);
    m.body = {{"meta", meta}, {"is_best", is_best}};
    if (options_.sync == SyncMode::kMpi)  // the coordinator holds no copy of the weights
      m.tensors = TrainingStateFrames(module, optimizer);
    written = Call(m, MessageType::kCheckpointDone).body.contains("error") ? 0 : 1;
  }
  // mpi: replica 0's answer reaches the others with the barrier (ps: every
  // replica got the coordinator's one answer).
  if (!ps)
    CheckMpi(MPI_Bcast(&written, 1, MPI_INT, 0, options_.replicas), "Bcast of the checkpoint");
  return written == 1;
}

void ReplicaLink::Finish() {
  Message m;
  m.type = MessageType::kShutdown;
  Send(m);
}

}  // namespace getps
