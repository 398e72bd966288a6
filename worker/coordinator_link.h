// CoordinatorLink: a replica's typed conversation with the run's
// coordinator (coordinator/coordinator.h) over the control channel, shared
// by the distributed transports (mpi_transport.h, ps_transport.h): the
// hello and welcome, shard requests, records, run files, pulls of weights,
// commits, sums and gathers, and the goodbye. Every message is sent in the
// replica's current generation (set_generation).
//
// Error contract: every wait is bounded by control.timeout (or the timeout
// given) and throws Error(kTimeout) naming the coordinator; a reply of the
// wrong type throws Error(kInternal); a coordinator refusing this replica
// throws Error(kRefused) with its reason; a kStale notice of a newer
// generation than this replica's throws GenerationChanged (transport.h). A
// malformed reply (frames, or a body that is not its type's) is logged and
// dropped, and the wait goes on.
#pragma once

#include <torch/nn/module.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/control_channel.h"
#include "protocol/messages.h"
#include "protocol/step_shard.h"
#include "worker/transport.h"

namespace getps {

class CoordinatorLink {
 public:
  // Connects and says hello (`hello`'s name and version are filled in).
  CoordinatorLink(const ControlClientOptions& control, const Hello& hello);

  const Welcome& welcome() const { return welcome_; }
  const ControlClientOptions& control() const { return control_; }
  std::uint32_t generation() const { return generation_; }
  void set_generation(std::uint32_t generation) { generation_ = generation; }

  // Sends `m` in this replica's generation.
  void Send(Message m);

  // The next message of type `expected` (kStale notices of this or an older
  // generation are skipped; a newer one throws GenerationChanged unless
  // kGeneration itself is awaited).
  Message Await(MessageType expected, std::chrono::milliseconds timeout);

  // Send `request`, then Await and decode the reply of type Reply.
  template <typename Reply>
  Reply Call(Message request, std::chrono::milliseconds timeout) {
    Send(std::move(request));
    while (true) {
      const Message m = Await(Reply::kType, timeout);
      try {
        return Decode<Reply>(m);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kFormatMismatch) throw;
        DropMalformed(e);
      }
    }
  }
  template <typename Reply>
  Reply Call(Message request) {
    return Call<Reply>(std::move(request), control_.timeout);
  }

  // The next shard of `step` (shard_shards.h), checked against the request.
  StepShard NextShard(std::int64_t step, std::size_t windows, std::size_t shard);
  // A sum or gather through the coordinator (answered once every replica
  // sent its part).
  std::vector<double> Reduce(ReduceOp op, const std::vector<double>& values);
  // The weights (and, for kStateOfRecord, the meta) of a checkpoint of the
  // coordinator's; nullopt when it has none.
  std::optional<Parameters> Pull(PullKind kind);
  // The best checkpoint's weights into `module` (Transport::LoadBest).
  std::optional<std::string> LoadBest(torch::nn::Module& module);
  // A commit at `step`; true when the coordinator wrote the checkpoint.
  bool Commit(std::int64_t step, CheckpointRequest request);
  void Record(const nlohmann::json& record);
  void WriteRunFile(const std::string& name, const std::string& text);
  void Finish();

 private:
  void DropMalformed(const Error& e) const;

  ControlClientOptions control_;
  ControlClient client_;
  Welcome welcome_;
  std::uint32_t generation_ = 0;
};

// What the distributed transports (mpi_transport.h, ps_transport.h) share:
// a replica whose records, run files, best weights and goodbye go through
// the coordinator, which hands out shards where the welcome says so and
// writes merged.pt itself.
class CoordinatedTransport : public Transport {
 public:
  int replica() const override { return rank_; }
  int replicas() const override { return size_; }
  bool hands_out_shards() const override { return link_.welcome().shards; }
  int step_replicas() const override {
    return hands_out_shards() ? link_.welcome().step_replicas : size_;
  }
  std::optional<std::string> LoadBest(torch::nn::Module& module) override {
    return link_.LoadBest(module);
  }
  std::string StateOfRecordPlace() const override { return "the coordinator's run directory"; }
  void WriteRunFile(const std::string& name, const std::string& text) override {
    link_.WriteRunFile(name, text);
  }
  void Record(const nlohmann::json& record) override { link_.Record(record); }
  void WriteMergedModel(RegionModel&) override {}  // the coordinator's
  void Finish() override { link_.Finish(); }

  // The coordinator's welcome (the run's training options in `train`).
  const Welcome& welcome() const { return link_.welcome(); }

 protected:
  CoordinatedTransport(const ControlClientOptions& control, const Hello& hello)
      : link_(control, hello) {}

  CoordinatorLink link_;
  int rank_ = 0, size_ = 1;  // this replica's index and the replica count
};

}  // namespace getps
