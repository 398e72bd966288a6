#include "protocol/messages.h"

#include "common/enum_names.h"

namespace getps {
namespace {

constexpr EnumNames<PeerRole, 2> kRoles{
    {{{PeerRole::kReplica, "replica"}, {PeerRole::kCoordinator, "coordinator"}}}};
constexpr EnumNames<WireDtype, 2> kWireDtypes{
    {{{WireDtype::kFp32, "fp32"}, {WireDtype::kBf16, "bf16"}}}};
constexpr EnumNames<PullKind, 2> kPullKinds{
    {{{PullKind::kBest, "best"}, {PullKind::kStateOfRecord, "state of record"}}}};
constexpr EnumNames<ReduceOp, 3> kReduceOps{
    {{{ReduceOp::kSum, "sum"}, {ReduceOp::kGather, "gather"}, {ReduceOp::kScale, "scale"}}}};
constexpr EnumNames<SyncMode, 3> kSyncModes{
    {{{SyncMode::kMpi, "mpi"}, {SyncMode::kParameterServer, "ps"}, {SyncMode::kNccl, "nccl"}}}};

template <typename E, std::size_t N>
bool Found(const EnumNames<E, N>& names, std::string_view text, E* value) {
  const auto v = names.Find(text);
  if (v) *value = *v;
  return v.has_value();
}

}  // namespace

const char* WireName(PeerRole v) { return kRoles.Name(v); }
const char* WireName(WireDtype v) { return kWireDtypes.Name(v); }
const char* WireName(PullKind v) { return kPullKinds.Name(v); }
const char* WireName(ReduceOp v) { return kReduceOps.Name(v); }
const char* WireName(SyncMode v) { return kSyncModes.Name(v); }
bool FromWireName(std::string_view text, PeerRole* v) { return Found(kRoles, text, v); }
bool FromWireName(std::string_view text, WireDtype* v) { return Found(kWireDtypes, text, v); }
bool FromWireName(std::string_view text, PullKind* v) { return Found(kPullKinds, text, v); }
bool FromWireName(std::string_view text, ReduceOp* v) { return Found(kReduceOps, text, v); }
bool FromWireName(std::string_view text, SyncMode* v) { return Found(kSyncModes, text, v); }

SyncMode SyncModeNamed(const std::string& name) {
  if (const auto mode = kSyncModes.Find(name)) return *mode;
  throw Error(ErrorCode::kInvalidArgument, "--sync must be mpi, nccl or ps, not '" + name + "'");
}

void ExpectType(const Message& m, MessageType type) {
  if (m.type != type)
    throw Error(ErrorCode::kFormatMismatch, std::string("expected a ") + MessageTypeName(type) +
                                                " message, got " + MessageTypeName(m.type));
}

}  // namespace getps
