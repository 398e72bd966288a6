// Files that appear whole or not at all: write under a temporary name,
// fsync, rename into place. A reader never sees a half-written file, and a
// crash leaves the previous version (or nothing).
#pragma once

#include <filesystem>
#include <string>

namespace getps {

// fsync of a file or a directory by path; best effort (errors ignored).
void FsyncPath(const std::filesystem::path& path);

// Writes `text` to `path` through `path.partial`. Throws Error(kIOError)
// naming the file when it cannot be written or renamed.
void WriteFileAtomically(const std::filesystem::path& path, const std::string& text);

}  // namespace getps
