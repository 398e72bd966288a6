// FileSizeLimit: a full disk for one test, without root or a mount. While
// it lives, no file this process writes may grow past `bytes`
// (RLIMIT_FSIZE: a write past it falls short, then fails with EFBIG) and
// SIGXFSZ is ignored. The destructor restores both.
// Process-wide: only for single-threaded test bodies.
#pragma once

#include <signal.h>
#include <sys/resource.h>

#include <cstdint>

namespace getps::testing_util {

class FileSizeLimit {
 public:
  explicit FileSizeLimit(std::uint64_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit limited = old_;
    limited.rlim_cur = static_cast<rlim_t>(bytes);
    setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit old_{};
  sighandler_t old_handler_ = SIG_DFL;
};

}  // namespace getps::testing_util
