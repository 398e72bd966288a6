// The MPI data plane (--data-plane mpi): where replicas and parameter
// server shards are ranks of one mpirun, the bytes of a push's gradients
// and of the weights that answer it move as non-blocking MPI point-to-point
// messages straight from and into the tensors' own memory: shared memory
// on a node, the cluster's fabric (whatever OpenMPI picks) across nodes,
// MPI's job membership as the authentication. The control message still
// goes over the ZeroMQ+CURVE channel and names what follows it (MpiData,
// messages.h), so generations, refusals and heartbeats work as on the
// ZeroMQ data plane, and a worker that joins from outside mpirun keeps
// that one.
//
// Matching: a message's bytes go from MpiData::rank with tags tag, tag+1,
// ... (MpiDataTag: the generation and step, so that the bytes of an
// exchange a generation change cut short never match a later one's). Both
// ends cut a tensor into the same chunks (kMpiChunkBytes) and post them in
// MpiData's order.
//
// Every wait is bounded (MpiTransfers::Wait). A peer that sent a control
// message naming MPI data is owed the matching receives or sends even when
// the exchange is over (a drain), so that its requests complete; what a
// lost peer leaves pending lingers (see ~MpiTransfers) and is reaped when
// it completes.
//
// Thread safety: MPI_THREAD_SERIALIZED; a rank uses the plane from one
// thread at a time.
#pragma once

#include <mpi.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/enum_names.h"
#include "protocol/messages.h"

namespace getps {

// --data-plane: how a --sync ps run's replicas that are ranks of the job
// move bytes to and from the server shards (auto: MPI where this MPI's tags
// allow, else ZeroMQ).
enum class DataPlane { kAuto, kMpi, kZmq };
inline constexpr EnumNames<DataPlane, 3> kDataPlanes{
    {{{DataPlane::kAuto, "auto"}, {DataPlane::kMpi, "mpi"}, {DataPlane::kZmq, "zmq"}}}};

// A rank's end of the plane: a duplicate of MPI_COMM_WORLD whose errors
// return (an MPI failure is an Error, not an abort), and this rank in it.
struct MpiDataPlane {
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = -1;
  bool open() const { return comm != MPI_COMM_NULL; }
};

// Collective over MPI_COMM_WORLD. Throws Error(kIOError) when this MPI's
// tags cannot carry the plane's (MPI_TAG_UB below 2^30 - 1), naming it.
// The communicator lives until MPI_Finalize.
MpiDataPlane OpenMpiDataPlane();
// Whether this MPI's tags carry the plane's (for --data-plane auto).
bool MpiTagsSuffice();

// A tensor travels in messages of at most kMpiChunkBytes, so that a large
// exchange shows progress (MpiMessagesCompleted) while it moves.
constexpr std::size_t kMpiChunkBytes = std::size_t{64} << 20;
constexpr int kMpiMessagesPerExchange = 1 << 12;  // the tag's low bits
// A wait polls without sleeping while messages keep completing, and backs
// off once none has for this long (MpiTransfers::Wait, the shard's loop).
constexpr std::chrono::milliseconds kSpinFor{2000};

// How many data-plane messages of this process have completed so far
// (any thread; grows while bytes move).
std::uint64_t MpiMessagesCompleted();

// Whether a poller should poll MPI again at once: while this process's
// messages keep completing (one within kSpinFor), yes; once they have
// stalled for longer, it should back off. One thread.
class MpiProgress {
 public:
  MpiProgress() { Restart(); }
  // Counts from now (a wait begins).
  void Restart();
  // Whether a message completed within kSpinFor (since the last call).
  bool Moving();

 private:
  std::uint64_t seen_ = 0;
  std::chrono::steady_clock::time_point last_;
};

// The first tag of an exchange of `generation` at `step`.
int MpiDataTag(std::uint32_t generation, std::uint64_t step);

// How `frames` (fp32 or bf16) travel from `rank` with first tag `tag`.
// Throws Error(kInvalidArgument) for another dtype.
MpiData DescribeMpiData(int rank, int tag, const std::vector<TensorFrame>& frames);

// The bytes of one described tensor; throws Error(kFormatMismatch) for a
// negative element count.
std::size_t MpiBytes(const MpiTensor& tensor);

// One exchange's non-blocking sends and receives. Owns its requests and
// keeps the memory they use alive until they complete. Move-only.
class MpiTransfers {
 public:
  struct Buffer {
    void* data = nullptr;
    std::size_t bytes = 0;
  };
  explicit MpiTransfers(MPI_Comm comm = MPI_COMM_NULL) : comm_(comm) {}
  MpiTransfers(MpiTransfers&& other) noexcept;
  MpiTransfers& operator=(MpiTransfers&& other) noexcept;
  // Incomplete transfers are not waited for: receives are cancelled, and
  // the requests with the memory they use linger until MPI completes them
  // (a lost peer's: for the life of the process).
  ~MpiTransfers();

  // Sends the frames' bytes to `rank` (tags from `tag`), from their own
  // memory; their owners are held until the sends complete.
  void Send(int rank, int tag, const std::vector<TensorFrame>& frames);
  // Receives into `into` from `rank` (tags from `tag`); `owner` (of the
  // buffers) is held until the receives complete.
  void Receive(int rank, int tag, const std::vector<Buffer>& into,
               std::shared_ptr<const void> owner);

  // Whether every transfer has completed. Throws Error(kIOError) naming
  // the MPI error of a failed one, or a received message of another size
  // than its buffer's (the ends disagree on what was sent).
  bool Test();
  // Test until done; throws Error(kTimeout) naming `what` after `timeout`.
  void Wait(std::chrono::milliseconds timeout, const std::string& what);
  bool empty() const { return requests_.empty(); }

 private:
  void Post(bool send, int rank, int tag, void* data, std::size_t bytes, int* index);
  void Linger();

  MPI_Comm comm_;
  std::vector<MPI_Request> requests_;  // MPI_REQUEST_NULL once complete
  std::vector<bool> receives_;
  std::vector<std::size_t> bytes_;  // each request's message size
  std::vector<std::shared_ptr<const void>> owners_;
  std::vector<int> indices_;          // Test's scratch, kept between polls
  std::vector<MPI_Status> statuses_;  // likewise
};

// Receives the bytes `data` names into fresh buffers and returns them as
// frames (the names and dtypes described, one dimension of the element
// count), with the transfers to wait on.
struct MpiReceipt {
  std::vector<TensorFrame> frames;
  MpiTransfers transfers;
};
MpiReceipt ReceiveMpiData(MPI_Comm comm, const MpiData& data);

}  // namespace getps
