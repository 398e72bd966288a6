// Minimal leveled logging to stderr: "[getps HH:MM:SS level] message".
// The threshold lives in a Logger the caller owns; the free functions use the
// process-wide default, which is read-only after main() configures it.
#pragma once

#include <string_view>

namespace getps {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Writes one line if `level` is at or above the threshold set by
// SetLogThreshold (default kInfo). Thread-safe: each line is one write(2).
void Log(LogLevel level, std::string_view message);
void SetLogThreshold(LogLevel level);

// The --help text of every command's --quiet, which sets the threshold to
// kWarning (launch/command_line.cc).
inline constexpr char kQuietHelp[] = "no progress or info lines: warnings and errors only";

inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(std::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }

}  // namespace getps
