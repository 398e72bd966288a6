// libFuzzer target for one of getps's text parsers, chosen at compile time
// (GETPS_FUZZ_PARSER, see tests/fuzz/CMakeLists.txt). Each input is written
// to a scratch file and parsed the way the featurizer reads it. A refusal
// (getps::Error) is the expected outcome of bad input; anything else that
// escapes (another exception, a crash, a sanitizer report, a hang) is a
// finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "common/error.h"
#include "featurizer/accessibility.h"
#include "featurizer/annotation.h"
#include "featurizer/fasta_check.h"
#include "featurizer/genome.h"
#include "featurizer/motif.h"
#include "featurizer/peaks.h"
#include "featurizer/samples.h"
#include "storage/region_index.h"

namespace {

// The input as a file (the parsers read paths); one per process, rewritten.
std::string Scratch(const std::uint8_t* data, std::size_t size, const char* suffix) {
  static const std::string path = "/dev/shm/getps-fuzz-" + std::to_string(getpid()) + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

[[maybe_unused]] const getps::RegionIndex& Regions() {
  static const getps::RegionIndex regions = getps::RegionIndex::FromUnsorted(
      {{"chr1", 100, 200}, {"chr1", 500, 900}, {"chr2", 0, 50}, {"chrX", 1000, 1001}});
  return regions;
}

void Parse(const std::uint8_t* data, std::size_t size) {
  using namespace getps;
#if GETPS_FUZZ_PARSER == 1  // motifs: MEME
  ReadMotifs(Scratch(data, size, ".meme"), MotifFormat::kMeme);
#elif GETPS_FUZZ_PARSER == 2   // motifs: JASPAR
  ReadMotifs(Scratch(data, size, ".jaspar"), MotifFormat::kJaspar);
#elif GETPS_FUZZ_PARSER == 3   // motifs: HOMER
  ReadMotifs(Scratch(data, size, ".motif"), MotifFormat::kHomer);
#elif GETPS_FUZZ_PARSER == 4   // peaks: BED / narrowPeak, both overlap policies
  const std::string path = Scratch(data, size, ".bed");
  try {
    ReadPeaks(path, OverlapPolicy::kError);
  } catch (const Error&) {
  }
  RegionIndex::FromUnsorted(ReadPeaks(path, OverlapPolicy::kMerge));
#elif GETPS_FUZZ_PARSER == 5   // fragments lines
  CountFragments(Scratch(data, size, ".tsv"), Regions(), nullptr,
                 CountOptions{CountMode::kInsertions, "all", false, 0});
#elif GETPS_FUZZ_PARSER == 6   // barcode table (TSV or CSV, header detected), then one sample's
  const BarcodeTable t = ReadBarcodeTable(Scratch(data, size, ".tsv"));
  ForSample(t, {{"s1", "", ""}, {"s2", "", ""}}, 1, SampleBarcodes::kSuffix);
  ForSample(t, {{"s1", "", ""}, {"s2", "", ""}}, 0, SampleBarcodes::kPrefix);
#elif GETPS_FUZZ_PARSER == 7   // GTF
  ReadGtfTss(Scratch(data, size, ".gtf"));
#elif GETPS_FUZZ_PARSER == 8   // expression table
  ReadExpression(Scratch(data, size, ".tsv"), true);
#elif GETPS_FUZZ_PARSER == 9   // FASTA: the check, then htslib's index and every sequence
  const std::string path = Scratch(data, size, ".fa");
  std::filesystem::remove(path + ".fai");
  auto genome = Genome::Open(path, "/dev/shm/getps-fuzz-fai");
  for (const auto& name : genome->Names()) genome->Fetch(name, 0, genome->Length(name));
#elif GETPS_FUZZ_PARSER == 10  // TSS BED
  ReadTssBed(Scratch(data, size, ".bed"));
#elif GETPS_FUZZ_PARSER == 11  // sample sheet
  ReadSampleSheet(Scratch(data, size, ".tsv"));
#else
#error "GETPS_FUZZ_PARSER names no parser"
#endif
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    Parse(data, size);
  } catch (const getps::Error&) {
  }
  return 0;
}
