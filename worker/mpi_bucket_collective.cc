#include "worker/mpi_bucket_collective.h"

#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "worker/mpi_error.h"

namespace getps {

MpiBucketCollective::MpiBucketCollective(const MpiBucketCollectiveOptions& options)
    : options_(options) {
  if (options_.comm == MPI_COMM_NULL)
    throw Error(ErrorCode::kInvalidArgument, "MpiBucketCollective needs a communicator");
}

// A request still in flight (an error unwound the step) cannot be freed
// (MPI forbids freeing an active collective); it and its buffer are left
// to MPI_Abort, the buffer held by a process-lifetime list.
MpiBucketCollective::~MpiBucketCollective() {
  static auto* orphans = new std::vector<torch::Tensor>();
  for (auto& [id, f] : in_flight_) orphans->push_back(f.buffer);
}

void MpiBucketCollective::Start(std::size_t id, torch::Tensor buffer) {
  if (buffer.scalar_type() != torch::kFloat32 || !buffer.is_contiguous() || !buffer.is_cpu())
    throw Error(ErrorCode::kInternal,
                "an MPI gradient bucket must be a contiguous CPU float32 tensor");
  if (in_flight_.count(id))
    throw Error(ErrorCode::kInternal, "gradient bucket " + std::to_string(id) + " started twice");
  MPI_Request request = MPI_REQUEST_NULL;  // stays null when done here
  if (options_.blocking)
    CheckMpi(MPI_Allreduce(MPI_IN_PLACE, buffer.data_ptr<float>(), static_cast<int>(buffer.numel()),
                           MPI_FLOAT, MPI_SUM, options_.comm),
             "Allreduce of a gradient bucket");
  else
    CheckMpi(
        MPI_Iallreduce(MPI_IN_PLACE, buffer.data_ptr<float>(), static_cast<int>(buffer.numel()),
                       MPI_FLOAT, MPI_SUM, options_.comm, &request),
        "Iallreduce of a gradient bucket");
  in_flight_[id] = {request, buffer};
}

void MpiBucketCollective::Progress() {
  for (auto it = in_flight_.begin(); it != in_flight_.end(); ++it) {
    int done = 0;
    // Testing one request progresses the library's whole schedule; a done
    // request becomes MPI_REQUEST_NULL and Wait then returns at once.
    CheckMpi(MPI_Test(&it->second.request, &done, MPI_STATUS_IGNORE), "Test of a gradient bucket");
  }
}

void MpiBucketCollective::Wait(std::size_t id) {
  const auto it = in_flight_.find(id);
  if (it == in_flight_.end())
    throw Error(ErrorCode::kInternal, "gradient bucket " + std::to_string(id) + " was not started");
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (int done = 0, polls = 0;; ++polls) {
    CheckMpi(MPI_Test(&it->second.request, &done, MPI_STATUS_IGNORE), "Test of a gradient bucket");
    if (done) break;
    if (std::chrono::steady_clock::now() > deadline)
      throw Error(ErrorCode::kTimeout, "MPI: the gradient allreduce of bucket " +
                                           std::to_string(id) + " took over " +
                                           std::to_string(options_.timeout.count() / 1000) +
                                           " s (a replica is hung or lost)");
    // Spin first (a bucket is usually microseconds from done), then yield
    // the core to the peers sharing it, then sleep a little.
    if (polls > 100000)
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    else if (polls > 1000)
      std::this_thread::yield();
  }
  in_flight_.erase(it);
}

}  // namespace getps
