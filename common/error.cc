#include "common/error.h"

namespace getps {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kOutOfRange:
      return "out of range";
    case ErrorCode::kCorruption:
      return "corruption";
    case ErrorCode::kIOError:
      return "I/O error";
    case ErrorCode::kFormatMismatch:
      return "format mismatch";
    case ErrorCode::kBusy:
      return "busy";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kRefused:
      return "refused";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "error";
}

int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kOutOfRange:
      return 2;
    case ErrorCode::kCorruption:
    case ErrorCode::kFormatMismatch:
      return 3;
    case ErrorCode::kIOError:
    case ErrorCode::kBusy:
      return 4;
    case ErrorCode::kTimeout:
    case ErrorCode::kRefused:
      return 5;
    case ErrorCode::kInternal:
      return 1;
  }
  return 1;
}

}  // namespace getps
