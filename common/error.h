// getps::Error: the one exception type getps libraries throw. It carries a
// code (what kind of failure, for callers that react differently) and a
// message that names the file, line or key involved and what was expected.
// Process boundaries (the getps binary) turn it into an exit code and one
// line on stderr; see ExitCodeFor().
#pragma once

#include <stdexcept>
#include <string>

namespace getps {

enum class ErrorCode {
  kInvalidArgument,  // the caller asked for something malformed or unknown
  kNotFound,         // a named thing (cell type, chromosome, gene, file) is absent
  kOutOfRange,       // an index past the end of what exists
  kCorruption,       // stored data failed a checksum or a consistency check
  kIOError,          // the operating system refused a read or write
  kFormatMismatch,   // data written by an incompatible version
  kBusy,             // the resource is being written by someone else
  kTimeout,          // a peer did not answer within the allowed time
  kRefused,          // a peer refused us (wrong run key, protocol version)
  kInternal,         // a broken invariant inside getps
};

const char* ErrorCodeName(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Exit status of the getps binary for an Error of this code (2: bad usage or
// input, 3: corruption or format, 4: I/O, 5: a peer timed out or refused,
// 1: anything else).
int ExitCodeFor(ErrorCode code);

}  // namespace getps
