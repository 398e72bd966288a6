// CheckMpi: an MPI call's return code as getps's error contract, for the
// MPI users of worker/ (MpiTransport, MpiBucketCollective).
#pragma once

#include <mpi.h>

#include <string>

#include "common/error.h"

namespace getps {

// Throws Error(kIOError) "MPI: <what> failed" unless `rc` is MPI_SUCCESS.
inline void CheckMpi(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw Error(ErrorCode::kIOError, std::string("MPI: ") + what + " failed");
}

}  // namespace getps
