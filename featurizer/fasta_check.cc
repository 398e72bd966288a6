#include "featurizer/fasta_check.h"

#include <array>
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
  auto end_record = [&] {
    if (!name.empty() && bases == 0)
      throw Error(ErrorCode::kInvalidArgument, fasta + ":" + std::to_string(header_line[name]) +
                                                   ": record '" + name + "' has no sequence");
  };
  std::string_view line;
  while (in.Next(&line)) {
    if (line.empty()) continue;
    if (line.front() == '>') {
      end_record();
      const std::string_view rest = line.substr(1);
      name = std::string(rest.substr(0, rest.find_first_of(" \t")));
      if (name.empty()) Fail(in, "a header without a sequence name");
      const auto [at, added] = header_line.emplace(name, in.line_number());
      if (!added)
        Fail(in, "sequence name '" + name + "' again (first on line " + std::to_string(at->second) +
                     "): names must be unique");
      bases = 0;
      continue;
    }
    if (name.empty()) Fail(in, "sequence before the first '>' header");
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

}  // namespace getps
