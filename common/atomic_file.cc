#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace getps {
namespace {

// Writes all of `text` to `fd`; returns "" or the cause of the failure.
std::string WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::strerror(errno);
    if (n == 0) return "no progress writing";
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return "";
}

// Closes `fd`; returns "" or the cause (a deferred write error).
std::string Close(int fd) { return ::close(fd) == 0 ? "" : std::strerror(errno); }

}  // namespace

void FsyncPath(const std::filesystem::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void WriteFileAtomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".partial";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error(ErrorCode::kIOError, "cannot write " + tmp.string() + ": " + std::strerror(errno));
  std::string why = WriteAll(fd, text);
  if (why.empty() && ::fsync(fd) != 0) why = std::strerror(errno);
  const std::string closed = Close(fd);
  if (why.empty()) why = closed;
  std::error_code ec;
  if (why.empty()) {
    std::filesystem::rename(tmp, path, ec);
    if (!ec) return;
    why = ec.message();
  }
  std::filesystem::remove(tmp, ec);
  throw Error(ErrorCode::kIOError, "cannot write " + path.string() + ": " + why);
}

void AppendWhole(const std::filesystem::path& path, std::string_view text, AppendSync sync) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error(ErrorCode::kIOError,
                "cannot append to " + path.string() + ": " + std::strerror(errno));
  const off_t before = ::lseek(fd, 0, SEEK_END);
  std::string why = before < 0 ? std::strerror(errno) : WriteAll(fd, text);
  if (why.empty() && sync == AppendSync::kFsync && ::fsync(fd) != 0) why = std::strerror(errno);
  if (!why.empty() && before >= 0 && ::ftruncate(fd, before) != 0)
    why += "; and cutting it back to " + std::to_string(before) +
           " bytes failed: " + std::strerror(errno);
  const std::string closed = Close(fd);
  if (why.empty()) why = closed;
  if (!why.empty())
    throw Error(ErrorCode::kIOError, "cannot append to " + path.string() + ": " + why);
}

}  // namespace getps
