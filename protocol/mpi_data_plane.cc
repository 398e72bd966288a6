#include "protocol/mpi_data_plane.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>

#include "common/error.h"

namespace getps {
namespace {

constexpr int kTagBits = 30;  // generation: 6 bits, step: 12, message: 12

// Every data-plane message of this process that has completed (progress).
std::atomic<std::uint64_t> completed_messages{0};

std::string MpiErrorText(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, static_cast<std::size_t>(length));
}

void Check(int code, const std::string& what) {
  if (code != MPI_SUCCESS)
    throw Error(ErrorCode::kIOError, "MPI data plane: " + what + ": " + MpiErrorText(code));
}

int MpiBytesCount(std::size_t bytes) { return static_cast<int>(bytes); }

// Transfers whose exchange is over but which MPI has not completed yet.
struct Lingering {
  std::vector<MPI_Request> requests;
  std::vector<std::shared_ptr<const void>> owners;
};
std::mutex lingering_mutex;
std::vector<Lingering> lingering;  // guarded by lingering_mutex

void ReapLingering() {
  std::lock_guard<std::mutex> lock(lingering_mutex);
  for (auto& l : lingering) {
    int done = 0;
    MPI_Testall(static_cast<int>(l.requests.size()), l.requests.data(), &done, MPI_STATUSES_IGNORE);
    if (done) l.requests.clear();
  }
  std::erase_if(lingering, [](const Lingering& l) { return l.requests.empty(); });
}

}  // namespace

bool MpiTagsSuffice() {
  void* value = nullptr;
  int found = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &value, &found);
  return found && *static_cast<int*>(value) >= (1 << kTagBits) - 1;
}

MpiDataPlane OpenMpiDataPlane() {
  if (!MpiTagsSuffice())
    throw Error(ErrorCode::kIOError,
                "--data-plane mpi: this MPI's tags stop below 2^30 (MPI_TAG_UB); use "
                "--data-plane zmq");
  MpiDataPlane plane;
  Check(MPI_Comm_dup(MPI_COMM_WORLD, &plane.comm), "MPI_Comm_dup");
  Check(MPI_Comm_set_errhandler(plane.comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  Check(MPI_Comm_rank(plane.comm, &plane.rank), "MPI_Comm_rank");
  return plane;
}

int MpiDataTag(std::uint32_t generation, std::uint64_t step) {
  return static_cast<int>(((generation % 64u) << 24) | ((step % 4096u) << 12));
}

MpiData DescribeMpiData(int rank, int tag, const std::vector<TensorFrame>& frames) {
  MpiData data{rank, tag, {}};
  for (const auto& f : frames) {
    if (f.dtype != TensorDtype::kFloat32 && f.dtype != TensorDtype::kBFloat16)
      throw Error(ErrorCode::kInvalidArgument,
                  "the MPI data plane carries fp32 and bf16 tensors, not " +
                      std::string(DtypeName(f.dtype)) + " (" + f.name + ")");
    const auto dtype = f.dtype == TensorDtype::kFloat32 ? WireDtype::kFp32 : WireDtype::kBf16;
    data.tensors.push_back(
        {f.name, dtype, static_cast<std::int64_t>(f.bytes / DtypeSize(f.dtype))});
  }
  return data;
}

std::size_t MpiBytes(const MpiTensor& t) {
  if (t.elements < 0)
    throw Error(ErrorCode::kFormatMismatch,
                "MPI data: tensor " + t.name + " has " + std::to_string(t.elements) + " elements");
  return static_cast<std::size_t>(t.elements) * (t.dtype == WireDtype::kFp32 ? 4 : 2);
}

MpiTransfers::MpiTransfers(MpiTransfers&& other) noexcept
    : comm_(other.comm_),
      requests_(std::move(other.requests_)),
      receives_(std::move(other.receives_)),
      bytes_(std::move(other.bytes_)),
      owners_(std::move(other.owners_)) {
  other.requests_.clear();
}

MpiTransfers& MpiTransfers::operator=(MpiTransfers&& other) noexcept {
  if (this != &other) {
    Linger();
    comm_ = other.comm_;
    requests_ = std::move(other.requests_);
    receives_ = std::move(other.receives_);
    bytes_ = std::move(other.bytes_);
    owners_ = std::move(other.owners_);
    other.requests_.clear();
  }
  return *this;
}

MpiTransfers::~MpiTransfers() { Linger(); }

void MpiTransfers::Linger() {
  bool pending = false;
  for (std::size_t i = 0; i < requests_.size(); ++i) {
    if (requests_[i] == MPI_REQUEST_NULL) continue;
    pending = true;
    if (receives_[i]) MPI_Cancel(&requests_[i]);  // completes at once unless matched
  }
  if (pending) {
    std::lock_guard<std::mutex> lock(lingering_mutex);
    lingering.push_back({std::move(requests_), std::move(owners_)});
  }
  requests_.clear();
  receives_.clear();
  bytes_.clear();
  owners_.clear();
}

void MpiTransfers::Post(bool send, int rank, int tag, void* data, std::size_t bytes, int* index) {
  auto* at = static_cast<char*>(data);
  do {  // a zero-byte tensor is still one message
    if (*index >= kMpiMessagesPerExchange)
      throw Error(ErrorCode::kInvalidArgument, "MPI data plane: more than " +
                                                   std::to_string(kMpiMessagesPerExchange) +
                                                   " messages in one exchange");
    const std::size_t n = std::min(bytes, kMpiChunkBytes);
    MPI_Request r = MPI_REQUEST_NULL;
    if (send)
      Check(MPI_Isend(at, MpiBytesCount(n), MPI_BYTE, rank, tag + *index, comm_, &r), "MPI_Isend");
    else
      Check(MPI_Irecv(at, MpiBytesCount(n), MPI_BYTE, rank, tag + *index, comm_, &r), "MPI_Irecv");
    requests_.push_back(r);
    receives_.push_back(!send);
    bytes_.push_back(n);
    ++*index;
    at += n;
    bytes -= n;
  } while (bytes > 0);
}

void MpiTransfers::Send(int rank, int tag, const std::vector<TensorFrame>& frames) {
  int index = 0;
  for (const auto& f : frames) {
    owners_.push_back(f.owner);
    Post(true, rank, tag, const_cast<void*>(f.data), f.bytes, &index);  // MPI reads it only
  }
}

void MpiTransfers::Receive(int rank, int tag, const std::vector<Buffer>& into,
                           std::shared_ptr<const void> owner) {
  owners_.push_back(std::move(owner));
  int index = 0;
  for (const auto& b : into) Post(false, rank, tag, b.data, b.bytes, &index);
}

bool MpiTransfers::Test() {
  ReapLingering();
  if (requests_.empty()) return true;
  int count = 0;
  indices_.resize(requests_.size());
  statuses_.resize(requests_.size());
  auto& indices = indices_;
  auto& statuses = statuses_;
  const int code = MPI_Testsome(static_cast<int>(requests_.size()), requests_.data(), &count,
                                indices.data(), statuses.data());
  if (code == MPI_ERR_IN_STATUS) {
    for (int i = 0; i < count; ++i)
      if (statuses[static_cast<std::size_t>(i)].MPI_ERROR != MPI_SUCCESS)
        Check(statuses[static_cast<std::size_t>(i)].MPI_ERROR, "a transfer failed");
  }
  Check(code, "MPI_Testsome");
  if (count == MPI_UNDEFINED) count = 0;
  completed_messages += static_cast<std::uint64_t>(count);
  for (int i = 0; i < count; ++i) {
    const auto at = static_cast<std::size_t>(indices[static_cast<std::size_t>(i)]);
    if (!receives_[at]) continue;
    int got = 0;
    MPI_Get_count(&statuses[static_cast<std::size_t>(i)], MPI_BYTE, &got);
    if (static_cast<std::size_t>(got) != bytes_[at])
      throw Error(ErrorCode::kIOError,
                  "MPI data plane: a message of " + std::to_string(got) + " bytes from rank " +
                      std::to_string(statuses[static_cast<std::size_t>(i)].MPI_SOURCE) + " where " +
                      std::to_string(bytes_[at]) + " were expected");
  }
  if (!std::all_of(requests_.begin(), requests_.end(),
                   [](MPI_Request r) { return r == MPI_REQUEST_NULL; }))
    return false;
  requests_.clear();
  receives_.clear();
  bytes_.clear();
  owners_.clear();
  return true;
}

void MpiTransfers::Wait(std::chrono::milliseconds timeout, const std::string& what) {
  // MPI moves a large message only while both ends call into it (each
  // Test progresses it), so poll without sleeping (yielding the core to
  // ranks that share it) while messages keep completing, and back off to
  // 1 ms between polls once they stall (MpiProgress).
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MpiProgress progress;
  auto pause = std::chrono::microseconds(50);
  while (!Test()) {
    if (std::chrono::steady_clock::now() > deadline)
      throw Error(ErrorCode::kTimeout, "MPI data plane: " + what + " did not complete within " +
                                           std::to_string(timeout.count() / 1000) + " s");
    if (progress.Moving()) {
      pause = std::chrono::microseconds(50);
      std::this_thread::yield();
      continue;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
}

void MpiProgress::Restart() {
  seen_ = MpiMessagesCompleted();
  last_ = std::chrono::steady_clock::now();
}

bool MpiProgress::Moving() {
  const auto now = std::chrono::steady_clock::now();
  if (const std::uint64_t completed = MpiMessagesCompleted(); completed != seen_) {
    seen_ = completed;
    last_ = now;
  }
  return now - last_ < kSpinFor;
}

std::uint64_t MpiMessagesCompleted() { return completed_messages.load(); }

MpiReceipt ReceiveMpiData(MPI_Comm comm, const MpiData& data) {
  constexpr std::size_t kAlign = 64;  // each tensor's start, as an allocator's
  auto aligned = [](std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; };
  std::size_t total = 0;
  for (const auto& t : data.tensors) total += aligned(MpiBytes(t));
  auto memory = std::shared_ptr<std::byte[]>(
      new (std::align_val_t(kAlign)) std::byte[std::max<std::size_t>(total, 1)],
      [](std::byte* p) { ::operator delete[](p, std::align_val_t(kAlign)); });
  MpiReceipt receipt{{}, MpiTransfers(comm)};
  std::vector<MpiTransfers::Buffer> into;
  std::size_t offset = 0;
  for (const auto& t : data.tensors) {
    TensorFrame f;
    f.name = t.name;
    f.dtype = t.dtype == WireDtype::kFp32 ? TensorDtype::kFloat32 : TensorDtype::kBFloat16;
    f.shape = {t.elements};
    f.bytes = MpiBytes(t);
    f.data = memory.get() + offset;
    f.owner = std::shared_ptr<const void>(memory, memory.get());
    into.push_back({memory.get() + offset, f.bytes});
    offset += aligned(f.bytes);
    receipt.frames.push_back(std::move(f));
  }
  receipt.transfers.Receive(data.rank, data.tag, into,
                            std::shared_ptr<const void>(memory, memory.get()));
  return receipt;
}

}  // namespace getps
