// Files that appear whole or not at all: write under a temporary name,
// fsync, rename into place. A reader never sees a half-written file, and a
// crash leaves the previous version (or nothing). Appends to a log file
// (RUN/epochs.jsonl, metrics.jsonl) add whole text or nothing, so a full
// disk never leaves half a line for the next line to run into.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace getps {

// fsync of a file or a directory by path; best effort (errors ignored).
void FsyncPath(const std::filesystem::path& path);

// Writes `text` to `path` through `path.partial`, fsynced before the
// rename. Throws Error(kIOError) naming the file and the cause when it cannot
// be written, synced or renamed; `path` is then as it was and no `.partial`
// is left.
void WriteFileAtomically(const std::filesystem::path& path, const std::string& text);

// Whether an append is fsynced before it returns.
enum class AppendSync { kNone, kFsync };

// Appends `text` to `path` (created if missing) whole or not at all: when a
// write fails or falls short (ENOSPC, EFBIG), the file is cut back to its
// length before the call and Error(kIOError) names the file and the cause.
// One writer per file: a concurrent appender could be cut back too.
void AppendWhole(const std::filesystem::path& path, std::string_view text,
                 AppendSync sync = AppendSync::kNone);

}  // namespace getps
