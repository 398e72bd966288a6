// SyncMode: how the replicas of a run combine their gradients (--sync), a
// word of the wire contract too (the coordinator's welcome says it).
#pragma once

#include <string>
#include <string_view>

namespace getps {

enum class SyncMode {
  kMpi,              // synchronous allreduce over MPI between the replicas
  kParameterServer,  // push gradients to / pull weights from parameter servers
  kNccl,             // synchronous allreduce over NCCL between the replicas' GPUs
};

const char* WireName(SyncMode mode);  // "mpi", "ps", "nccl"
bool FromWireName(std::string_view text, SyncMode* mode);

// "mpi", "ps" or "nccl" (--sync); throws Error(kInvalidArgument) on anything else.
SyncMode SyncModeNamed(const std::string& name);

}  // namespace getps
