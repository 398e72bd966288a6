#include "storage/store_staging.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "common/error.h"
#include "common/log.h"

namespace getps {
namespace {

namespace fs = std::filesystem;

std::string WriterName(long pid) {
  if (pid == static_cast<long>(getpid())) return "this process";
  return pid > 0 ? "process " + std::to_string(pid) : "another process";
}

void RemoveAll(const std::string& dir, const std::string& what) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec)
    throw Error(ErrorCode::kIOError, "cannot remove " + what + " " + dir + ": " + ec.message());
}

}  // namespace

StagingRegistry::StagingRegistry(std::string staging) : staging_(std::move(staging)) {
  std::lock_guard<std::mutex> lock(Mutex());
  Paths().insert(staging_);
}

StagingRegistry::~StagingRegistry() {
  std::lock_guard<std::mutex> lock(Mutex());
  Paths().erase(staging_);
}

bool StagingRegistry::Holds(const std::string& staging) {
  std::lock_guard<std::mutex> lock(Mutex());
  return Paths().count(staging) > 0;
}

std::mutex& StagingRegistry::Mutex() {
  static std::mutex mu;
  return mu;
}

std::set<std::string>& StagingRegistry::Paths() {
  static std::set<std::string> paths;
  return paths;
}

std::string StagingPath(const std::string& store) {
  std::string p = store;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p + ".writing";
}

std::optional<long> StagingWriter(const std::string& staging) {
  // This process's own writers are known without touching the file: closing
  // any descriptor of LOCK would drop the fcntl lock RocksDB holds on it.
  if (StagingRegistry::Holds(staging)) return static_cast<long>(getpid());
  const std::string lock = staging + "/LOCK";
  const int fd = open(lock.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct flock probe;
  std::memset(&probe, 0, sizeof probe);
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  const int rc = fcntl(fd, F_GETLK, &probe);
  close(fd);
  if (rc != 0 || probe.l_type == F_UNLCK) return std::nullopt;
  return static_cast<long>(probe.l_pid);
}

void PrepareStaging(const std::string& store, bool overwrite) {
  const std::string staging = StagingPath(store);
  if (auto pid = StagingWriter(staging))
    throw Error(ErrorCode::kBusy, "store " + store + " is being written by " + WriterName(*pid) +
                                      " (" + staging + "); wait for it to finish");
  std::error_code ec;
  if (fs::exists(store, ec) && !overwrite)
    throw Error(ErrorCode::kInvalidArgument,
                "store " + store + " already exists (remove it or pass --overwrite)");
  if (fs::exists(staging, ec)) {
    LogWarning("removing " + staging + ", left unfinished by an earlier writer that stopped");
    RemoveAll(staging, "the unfinished store");
  }
}

void PublishStaging(const std::string& store, bool overwrite) {
  const std::string staging = StagingPath(store);
  std::error_code ec;
  if (!fs::exists(store, ec)) {
    if (std::rename(staging.c_str(), store.c_str()) != 0)
      throw Error(ErrorCode::kIOError,
                  "cannot move " + staging + " to " + store + ": " + std::strerror(errno));
    return;
  }
  if (!overwrite)
    throw Error(ErrorCode::kInvalidArgument, "store " + store +
                                                 " appeared while this one was written; it is "
                                                 "kept, and the new one is left at " +
                                                 staging);
  if (renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, store.c_str(), RENAME_EXCHANGE) != 0)
    throw Error(ErrorCode::kIOError,
                "cannot exchange " + staging + " with " + store + ": " + std::strerror(errno));
  RemoveAll(staging, "the replaced store");  // the old store, now at the staging path
}

void ThrowIfUnfinished(const std::string& store) {
  const std::string staging = StagingPath(store);
  if (auto pid = StagingWriter(staging))
    throw Error(ErrorCode::kBusy, "store " + store + " is being written by " + WriterName(*pid) +
                                      " (" + staging + "): wait for it to finish");
  std::error_code ec;
  if (fs::exists(staging, ec))
    throw Error(ErrorCode::kBusy, "store " + store +
                                      " is not finished: its writer stopped before the end (" +
                                      staging + " is left); build the store again");
}

}  // namespace getps
