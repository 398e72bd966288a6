#include "featurizer/samples.h"

#include <filesystem>

#include "common/enum_names.h"
#include "common/error.h"
#include "common/parse.h"
#include "featurizer/text_reader.h"

namespace getps {
namespace {

constexpr EnumNames<SampleBarcodes, 2> kStyles{
    {{{SampleBarcodes::kSuffix, "suffix"}, {SampleBarcodes::kPrefix, "prefix"}}}};

// B-<digits> -> B; anything else unchanged.
std::string_view WithoutSuffix(std::string_view barcode) {
  const std::size_t dash = barcode.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == barcode.size()) return barcode;
  for (std::size_t i = dash + 1; i < barcode.size(); ++i)
    if (barcode[i] < '0' || barcode[i] > '9') return barcode;
  return barcode.substr(0, dash);
}

std::string Resolved(const std::string& path, const std::filesystem::path& dir) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (dir / path).string();
}

}  // namespace

const char* SampleBarcodesName(SampleBarcodes style) { return kStyles.Name(style); }
SampleBarcodes ParseSampleBarcodes(const std::string& name) {
  return kStyles.Parse("--sample-barcodes", name);
}

std::vector<Sample> ReadSampleSheet(const std::string& path) {
  TextReader in(path);
  const auto dir = std::filesystem::path(path).parent_path();
  std::vector<Sample> out;
  std::string_view line;
  while (in.Next(&line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto f = SplitQuoted(line, '\t');
    if (out.empty() && !f.empty() && f[0] == "sample") continue;
    if (f.size() < 2 || f.size() > 3 || f[0].empty() || f[1].empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  in.Where() + "expected 'sample<TAB>fragments-or-BAM[<TAB>rna]'");
    }
    for (const Sample& s : out) {
      if (s.name == f[0])
        throw Error(ErrorCode::kInvalidArgument, in.Where() + "sample " + f[0] + " listed twice");
    }
    out.push_back({f[0], Resolved(f[1], dir), f.size() == 3 ? Resolved(f[2], dir) : ""});
  }
  if (out.empty()) throw Error(ErrorCode::kInvalidArgument, path + ": no samples");
  return out;
}

std::vector<Sample> SamplesFromLists(const std::vector<std::string>& names,
                                     const std::vector<std::string>& reads,
                                     const std::vector<std::string>& rna) {
  if (!names.empty() && names.size() != reads.size()) {
    throw Error(ErrorCode::kInvalidArgument, "--samples names " + std::to_string(names.size()) +
                                                 " samples but " + std::to_string(reads.size()) +
                                                 " read files are given");
  }
  if (rna.size() > 1 && rna.size() != reads.size()) {
    throw Error(ErrorCode::kInvalidArgument, "--rna gives " + std::to_string(rna.size()) +
                                                 " matrices for " + std::to_string(reads.size()) +
                                                 " samples (give one for all, or one each)");
  }
  std::vector<Sample> out;
  for (std::size_t i = 0; i < reads.size(); ++i) {
    out.push_back(
        {names.empty() ? std::to_string(i + 1) : names[i], reads[i], rna.size() > 1 ? rna[i] : ""});
  }
  return out;
}

BarcodeTable ForSample(const BarcodeTable& table, const std::vector<Sample>& samples,
                       std::size_t index, SampleBarcodes style) {
  BarcodeTable out;
  out.celltypes = table.celltypes;
  out.cells.assign(table.celltypes.size(), 0);
  const std::string suffix = "-" + std::to_string(index + 1);
  const std::string prefix = samples[index].name + ":";
  auto add = [&](std::string_view barcode, int ct) { out.celltype_of.Insert(barcode, ct); };
  for (std::size_t i = 0; i < table.barcodes.size(); ++i) {
    const std::string& b = table.barcodes[i];
    const int ct = table.barcode_celltype[i];
    if (style == SampleBarcodes::kPrefix) {
      if (b.compare(0, prefix.size(), prefix) != 0) continue;
      add(std::string_view(b).substr(prefix.size()), ct);
    } else {
      if (b.size() <= suffix.size() ||
          b.compare(b.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      const std::string bare(WithoutSuffix(b));
      add(bare + "-1", ct);
      add(bare, ct);
      add(b, ct);
    }
    out.barcodes.push_back(b);
    out.barcode_celltype.push_back(ct);
    ++out.cells[static_cast<std::size_t>(ct)];
  }
  return out;
}

}  // namespace getps
