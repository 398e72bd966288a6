#include "featurizer/fasta_check.h"

#include <array>
#include <cstdint>
#include <sstream>
#include <unordered_map>

#include "common/error.h"
#include "featurizer/text_reader.h"

namespace getps {
namespace {

constexpr std::array<bool, 256> IupacTable() {
  std::array<bool, 256> ok{};
  for (const char c : std::string_view("ACGTUNRYSWKMBDHV")) {
    ok[static_cast<unsigned char>(c)] = true;
    ok[static_cast<unsigned char>(c - 'A' + 'a')] = true;
  }
  return ok;
}
constexpr std::array<bool, 256> kIupac = IupacTable();

[[noreturn]] void Fail(const TextReader& in, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, in.Where() + what);
}

}  // namespace

void CheckFasta(const std::string& fasta) {
  TextReader in(fasta);
  std::unordered_map<std::string, std::size_t> header_line;  // name -> its line
  std::string name;
  std::size_t bases = 0;
  // The record's line width (its first line's), the line a shorter line
  // ended it on, and the first blank line since its last sequence line:
  // htslib's index needs every line but the last as wide as the first, and
  // no blank line inside (a blank "\r" line would index as width 0).
  std::size_t width = 0, short_line = 0, blank_line = 0;
  auto end_record = [&] {
    if (!name.empty() && bases == 0)
      throw Error(ErrorCode::kInvalidArgument, fasta + ":" + std::to_string(header_line[name]) +
                                                   ": record '" + name + "' has no sequence");
  };
  std::string_view line;
  while (in.Next(&line)) {
    if (line.empty()) {
      if (!name.empty() && blank_line == 0) blank_line = in.line_number();
      continue;
    }
    if (line.front() == '>') {
      end_record();
      const std::string_view rest = line.substr(1);
      name = std::string(rest.substr(0, rest.find_first_of(" \t")));
      if (name.empty()) Fail(in, "a header without a sequence name");
      const auto [at, added] = header_line.emplace(name, in.line_number());
      if (!added)
        Fail(in, "sequence name '" + name + "' again (first on line " + std::to_string(at->second) +
                     "): names must be unique");
      bases = width = short_line = blank_line = 0;
      continue;
    }
    if (name.empty()) Fail(in, "sequence before the first '>' header");
    if (blank_line != 0)
      Fail(in, "record '" + name + "' goes on after the blank line " + std::to_string(blank_line) +
                   ": a record's sequence lines must be contiguous");
    if (short_line != 0 || (width != 0 && line.size() > width))
      Fail(in, "record '" + name + "', a line of " + std::to_string(line.size()) + " bases after " +
                   (short_line ? "the shorter line " + std::to_string(short_line)
                               : "lines of " + std::to_string(width)) +
                   ": every line of a record but its last must be as wide as its first");
    if (width == 0) width = line.size();
    if (line.size() < width) short_line = in.line_number();
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (kIupac[static_cast<unsigned char>(line[i])]) continue;
      const unsigned char c = static_cast<unsigned char>(line[i]);
      const std::string shown =
          c >= 33 && c < 127 ? "'" + std::string(1, line[i]) + "'" : "byte " + std::to_string(c);
      Fail(in, "record '" + name + "', column " + std::to_string(i + 1) + ": " + shown +
                   " is not an IUPAC DNA letter (ACGTN and ambiguity codes)");
    }
    bases += line.size();
  }
  end_record();
  if (header_line.empty())
    throw Error(ErrorCode::kInvalidArgument, fasta + ": no FASTA record (no '>' header)");
}

void CheckFastaIndex(const std::string& fai, const std::string& fasta) {
  TextReader in(fai);
  std::string_view line;
  while (in.Next(&line)) {
    std::istringstream fields{std::string(line)};
    std::string name;
    std::uint64_t length = 0, offset = 0, bases = 0, bytes = 0;
    if (!std::getline(fields, name, '\t') || !(fields >> length >> offset >> bases >> bytes) ||
        (length > 0 && (bases == 0 || bytes < bases)))
      throw Error(
          ErrorCode::kCorruption,
          in.Where() + "not a FASTA index line (name, length, offset, bases per line > 0, " +
              "bytes per line >= bases) for " + fasta + ": delete the index and it is rebuilt");
  }
}

}  // namespace getps
