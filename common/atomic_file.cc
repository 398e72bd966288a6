#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "common/error.h"

namespace getps {

void FsyncPath(const std::filesystem::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void WriteFileAtomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".partial";
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) throw Error(ErrorCode::kIOError, "cannot write " + tmp.string());
  }
  FsyncPath(tmp);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error(ErrorCode::kIOError, "cannot write " + path.string() + ": " + ec.message());
}

}  // namespace getps
