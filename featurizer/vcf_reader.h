// VcfReader: the variant calls of a VCF, VCF.gz or BCF (htslib's synced
// reader), one site at a time, with each chosen sample's two alleles.
//
// What a site holds: its position, REF and every ALT (a multi-allelic site
// is one VcfSite; its alleles are told apart by index), and per sample two
// allele indices (0: REF, k: the k-th ALT, -1: missing) and whether the
// call is phased. A haploid call gives the same allele twice.
//
// Errors (Error(kInvalidArgument) unless said otherwise) name the file and
// the line (or, for BCF and region queries, the record's position) and what
// was expected: an unknown sample, a record htslib cannot parse, a record
// with the wrong number of columns, an allele with characters other than
// A, C, G, T, N (symbolic alleles, '*' and breakends are reported to the
// caller as such, not errors), a ploidy above 2.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/region_index.h"

namespace getps {

struct VcfOptions {
  std::vector<std::string> samples;  // empty: every sample of the file, in its order
  std::optional<double> min_qual;    // drop sites with QUAL below (a missing QUAL is kept)
  bool pass_only = false;            // drop sites whose FILTER is neither PASS nor '.'
  bool sites_only = false;           // read no sample (samples() is empty)
};

struct VcfSite {
  std::string chrom;
  std::int64_t pos = 0;  // 0-based
  std::string ref;
  std::vector<std::string> alts;
  std::vector<bool> symbolic;        // per ALT: <DEL>, '*', a breakend: not a sequence
  std::vector<std::int8_t> alleles;  // 2 per sample: allele index, -1 missing
  std::vector<std::uint8_t> phased;  // per sample
  std::string where;                 // "FILE: line N" or "FILE: chrom:pos"
};

// Sites dropped by the options, counted by VcfReader.
struct VcfFilterCounts {
  std::uint64_t read = 0;        // records read (before the filters)
  std::uint64_t low_qual = 0;    // QUAL < min_qual
  std::uint64_t not_passed = 0;  // FILTER neither PASS nor '.'
};

class VcfReader {
 public:
  // Opens `path`. When `regions` is not empty and the file has an index
  // (.tbi or .csi beside it), only records overlapping them are read;
  // otherwise the whole file is streamed. Throws Error(kNotFound) for a
  // missing file or sample, kInvalidArgument for a file that is not VCF/BCF.
  static std::unique_ptr<VcfReader> Open(const std::string& path, const VcfOptions& options,
                                         const std::vector<Region>& regions = {});
  ~VcfReader();
  VcfReader(const VcfReader&) = delete;
  VcfReader& operator=(const VcfReader&) = delete;

  const std::string& path() const;
  const std::vector<std::string>& samples() const;  // the chosen ones, in output order
  bool indexed() const;                             // whether regions restrict the reading
  std::vector<std::string> contigs() const;         // the header's contig names
  const VcfFilterCounts& counts() const;

  // The next site passing the filters into `site`; false at the end.
  bool Next(VcfSite* site);

  struct State;  // defined (and used) in vcf_reader.cc only

 private:
  explicit VcfReader(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

}  // namespace getps
