// Where a store is built before it exists: StoreWriter writes into
// "PATH.writing" beside PATH and renames it into place when it is finished,
// so a reader of PATH sees a finished store or none, never half of one, and
// `--overwrite` replaces a finished store in one atomic exchange.
//
// Who is writing: RocksDB locks PATH.writing/LOCK (fcntl) for as long as a
// writer has it open, which other processes see; this process's writers
// are in StagingRegistry. A PATH.writing nobody holds was left by a writer
// that stopped (killed, or failed), and the next writer to PATH removes it.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace getps {

// The staging folders this process's writers have open (StoreWriter holds
// one for its lifetime). Thread-safe.
class StagingRegistry {
 public:
  explicit StagingRegistry(std::string staging);
  ~StagingRegistry();
  StagingRegistry(const StagingRegistry&) = delete;
  StagingRegistry& operator=(const StagingRegistry&) = delete;
  static bool Holds(const std::string& staging);

 private:
  static std::mutex& Mutex();
  static std::set<std::string>& Paths();
  std::string staging_;
};

// "PATH.writing", PATH taken without a trailing '/'.
std::string StagingPath(const std::string& store);

// The pid of the process holding `staging`'s RocksDB lock (this process's
// own, when one of its writers has it open), or nullopt when nobody writes
// there (or there is no such folder).
std::optional<long> StagingWriter(const std::string& staging);

// Before a writer opens StagingPath(store): refuses with Error(kBusy) when
// another writer holds it (whatever `overwrite` says), with
// Error(kInvalidArgument) when `store` exists and !overwrite; removes a
// staging folder left by a writer that stopped (with a warning).
void PrepareStaging(const std::string& store, bool overwrite);

// After the writer closed its database: moves the staging folder to
// `store`. An existing `store` (allowed only with `overwrite`) is exchanged
// atomically (renameat2 RENAME_EXCHANGE) and then removed. Throws
// Error(kInvalidArgument) when `store` appeared and !overwrite, kIOError
// when a rename fails.
void PublishStaging(const std::string& store, bool overwrite);

// For a reader that found no store at `store`: Error(kBusy) naming the
// writer when one is building it, or saying that its writer stopped when
// only its staging folder is left; nothing when neither.
void ThrowIfUnfinished(const std::string& store);

}  // namespace getps
