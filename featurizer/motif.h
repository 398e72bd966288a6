// Motif: a position probability matrix (PPM) over A, C, G, T, and the
// readers for the three usual file formats. Every reader checks the alphabet
// and that each row sums to 1 within kRowSumTolerance, and throws
// Error(kInvalidArgument) naming file, line and what was expected.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace getps {

struct Motif {
  std::string name;                          // identifier as in the file (MEME: first word)
  std::string alt_name;                      // MEME's optional second word, JASPAR's name
  std::vector<std::array<double, 4>> probs;  // one row per position: P(A), P(C), P(G), P(T)
  std::size_t width() const { return probs.size(); }
};

inline constexpr double kRowSumTolerance = 0.02;

enum class MotifFormat { kAuto, kMeme, kJaspar, kHomer };

// Reads every motif of `path`; kAuto decides from the content: "MEME
// version" -> MEME; a '>' header followed by "A [" rows -> JASPAR; a '>'
// header followed by numeric rows -> HOMER. Rows are renormalised to sum 1
// after the check. JASPAR count matrices are divided by their column sums.
std::vector<Motif> ReadMotifs(const std::string& path, MotifFormat format = MotifFormat::kAuto);

}  // namespace getps
