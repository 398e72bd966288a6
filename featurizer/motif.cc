#include "featurizer/motif.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <optional>
#include <sstream>

#include "common/error.h"
#include "common/parse.h"
#include "featurizer/text_reader.h"

namespace getps {
namespace {

[[noreturn]] void Fail(const TextReader& in, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, in.Where() + what);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Parses whitespace-separated numbers (ignoring '[' and ']').
std::vector<double> Numbers(std::string_view line, const TextReader& in) {
  std::vector<double> out;
  std::string text(line);
  for (char& c : text) {
    if (c == '[' || c == ']' || c == '\t') c = ' ';
  }
  std::istringstream ss(text);
  std::string tok;
  while (ss >> tok) {
    double v = 0;
    if (!ParseDouble(tok, &v) || !std::isfinite(v) || v < 0) {
      Fail(in, "expected a non-negative number, got '" + tok + "'");
    }
    out.push_back(v);
  }
  return out;
}

// Checks a probability row sums to ~1, then renormalises it.
std::array<double, 4> ProbabilityRow(const std::vector<double>& v, const TextReader& in,
                                     const std::string& motif) {
  if (v.size() != 4) {
    Fail(in, "motif " + motif + ": expected 4 probabilities (A C G T) per row, got " +
                 std::to_string(v.size()));
  }
  double sum = v[0] + v[1] + v[2] + v[3];
  if (std::fabs(sum - 1.0) > kRowSumTolerance) {
    Fail(in, "motif " + motif + ": row sums to " + std::to_string(sum) + ", expected 1 (within " +
                 std::to_string(kRowSumTolerance) + ")");
  }
  return {v[0] / sum, v[1] / sum, v[2] / sum, v[3] / sum};
}

// The whole number after `key` on a MEME matrix header ("letter-probability
// matrix: alength= 4 w= 8 nsites= 20"), or nullopt when the key is absent.
// Fails naming the line when the value is not a whole number.
std::optional<std::size_t> HeaderValue(std::string_view header, std::string_view key,
                                       const TextReader& in, const std::string& motif) {
  const auto at = header.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = Trim(header.substr(at + key.size()));
  const std::string_view token = rest.substr(0, rest.find_first_of(" \t"));
  std::uint32_t v = 0;
  if (!ParseUint32(token, &v))
    Fail(in, "motif " + motif + ": " + std::string(key) + " '" + std::string(token) +
                 "': expected a whole number");
  return v;
}

std::vector<Motif> ReadMeme(TextReader& in) {
  std::vector<Motif> motifs;
  std::string_view line;
  Motif* current = nullptr;
  std::size_t rows_left = 0;
  while (in.Next(&line)) {
    std::string_view t = Trim(line);
    if (rows_left > 0) {
      if (t.empty()) continue;
      current->probs.push_back(ProbabilityRow(Numbers(t, in), in, current->name));
      --rows_left;
      continue;
    }
    if (t.rfind("ALPHABET", 0) == 0) {
      auto eq = t.find('=');
      std::string_view alphabet =
          Trim(eq == std::string_view::npos ? t.substr(8) : t.substr(eq + 1));
      if (alphabet != "ACGT")
        Fail(in, "alphabet '" + std::string(alphabet) + "': only DNA (ACGT) motifs are supported");
    } else if (t.rfind("MOTIF", 0) == 0) {
      std::istringstream ss{std::string(t.substr(5))};
      Motif m;
      ss >> m.name >> m.alt_name;
      if (m.name.empty()) Fail(in, "MOTIF line without a name");
      if (current && current->probs.empty())
        Fail(in, "motif " + current->name + " has no letter-probability matrix");
      motifs.push_back(std::move(m));
      current = &motifs.back();
    } else if (t.rfind("letter-probability matrix", 0) == 0) {
      if (!current) Fail(in, "letter-probability matrix before any MOTIF line");
      const auto alength = HeaderValue(t, "alength=", in, current->name);
      if (alength && *alength != 4)
        Fail(in, "motif " + current->name + ": alength must be 4 (DNA)");
      const auto width = HeaderValue(t, "w=", in, current->name);
      if (!width) Fail(in, "motif " + current->name + ": letter-probability matrix without w=");
      if (*width == 0) Fail(in, "motif " + current->name + ": width must be positive");
      rows_left = *width;
    }
  }
  if (rows_left > 0) Fail(in, "motif " + current->name + ": file ends inside its matrix");
  if (current && current->probs.empty())
    Fail(in, "motif " + current->name + " has no letter-probability matrix");
  return motifs;
}

// JASPAR: ">ID name" then rows "A [ counts ]", "C [...]", "G [...]", "T [...]".
std::vector<Motif> ReadJaspar(TextReader& in) {
  std::vector<Motif> motifs;
  std::string_view line;
  std::vector<std::vector<double>> rows;
  auto finish = [&] {
    if (motifs.empty()) return;
    Motif& m = motifs.back();
    if (rows.size() != 4)
      Fail(in, "motif " + m.name + ": expected 4 rows (A, C, G, T), got " +
                   std::to_string(rows.size()));
    for (const auto& r : rows) {
      if (r.size() != rows[0].size() || r.empty())
        Fail(in, "motif " + m.name + ": rows of different lengths");
    }
    for (std::size_t j = 0; j < rows[0].size(); ++j) {
      double sum = rows[0][j] + rows[1][j] + rows[2][j] + rows[3][j];
      if (sum <= 0)
        Fail(in, "motif " + m.name + ": column " + std::to_string(j + 1) + " has no counts");
      m.probs.push_back({rows[0][j] / sum, rows[1][j] / sum, rows[2][j] / sum, rows[3][j] / sum});
    }
    rows.clear();
  };
  while (in.Next(&line)) {
    std::string_view t = Trim(line);
    if (t.empty()) continue;
    if (t[0] == '>') {
      finish();
      std::istringstream ss{std::string(t.substr(1))};
      Motif m;
      ss >> m.name >> m.alt_name;
      if (m.name.empty()) Fail(in, "'>' header without a motif id");
      motifs.push_back(std::move(m));
    } else {
      if (motifs.empty()) Fail(in, "matrix row before any '>' header");
      const char letters[] = "ACGT";
      if (rows.size() >= 4) Fail(in, "motif " + motifs.back().name + ": more than 4 rows");
      char want = letters[rows.size()];
      std::string_view body = t;
      if (std::isalpha(static_cast<unsigned char>(t[0]))) {
        if (std::toupper(static_cast<unsigned char>(t[0])) != want) {
          Fail(in, "motif " + motifs.back().name + ": expected row '" + std::string(1, want) +
                       "', got '" + std::string(1, t[0]) + "' (wrong alphabet?)");
        }
        body = t.substr(1);
      }
      rows.push_back(Numbers(body, in));
    }
  }
  finish();
  return motifs;
}

// HOMER: ">consensus<TAB>name<TAB>log-odds threshold..." then one row of 4
// probabilities per position.
std::vector<Motif> ReadHomer(TextReader& in) {
  std::vector<Motif> motifs;
  std::string_view line;
  while (in.Next(&line)) {
    std::string_view t = Trim(line);
    if (t.empty()) continue;
    if (t[0] == '>') {
      std::string_view fields[3];
      std::size_t n = SplitFields(t.substr(1), '\t', fields, 3);
      Motif m;
      m.alt_name = std::string(fields[0]);
      m.name = n > 1 ? std::string(fields[1]) : m.alt_name;
      if (m.name.empty()) Fail(in, "'>' header without a motif name");
      motifs.push_back(std::move(m));
    } else {
      if (motifs.empty()) Fail(in, "matrix row before any '>' header");
      motifs.back().probs.push_back(ProbabilityRow(Numbers(t, in), in, motifs.back().name));
    }
  }
  for (const auto& m : motifs) {
    if (m.probs.empty())
      throw Error(ErrorCode::kInvalidArgument, in.path() + ": motif " + m.name + " has no rows");
  }
  return motifs;
}

MotifFormat Detect(const std::string& path) {
  TextReader in(path);
  std::string_view line;
  bool header_seen = false;
  while (in.Next(&line)) {
    std::string_view t = Trim(line);
    if (t.empty()) continue;
    if (t.rfind("MEME version", 0) == 0) return MotifFormat::kMeme;
    if (t[0] == '>') {
      header_seen = true;
      continue;
    }
    if (header_seen) {
      return std::isalpha(static_cast<unsigned char>(t[0])) ? MotifFormat::kJaspar
                                                            : MotifFormat::kHomer;
    }
    break;
  }
  throw Error(
      ErrorCode::kInvalidArgument,
      path + ": not a motif file this reader knows (MEME, JASPAR or HOMER format expected)");
}

}  // namespace

std::vector<Motif> ReadMotifs(const std::string& path, MotifFormat format) {
  if (format == MotifFormat::kAuto) format = Detect(path);
  TextReader in(path);
  std::vector<Motif> motifs = format == MotifFormat::kMeme     ? ReadMeme(in)
                              : format == MotifFormat::kJaspar ? ReadJaspar(in)
                                                               : ReadHomer(in);
  if (motifs.empty()) throw Error(ErrorCode::kInvalidArgument, path + ": no motifs found");
  return motifs;
}

}  // namespace getps
