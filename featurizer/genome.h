// Genome: random access to a reference FASTA through htslib's faidx: plain
// or bgzipped (.gzi). A missing .fai (and .gzi) index is built next to the
// FASTA, or, when that folder is read-only (no write bit, even for root),
// in `index_dir`; an index is checked before use. Fetch() is
// thread-safe (faidx handles are not, so calls are serialised).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace getps {

class Genome {
 public:
  // Throws Error(kIOError/kInvalidArgument) naming the file on failure.
  static std::unique_ptr<Genome> Open(const std::string& fasta, const std::string& index_dir = "");
  ~Genome();
  Genome(const Genome&) = delete;
  Genome& operator=(const Genome&) = delete;

  const std::string& path() const { return path_; }
  std::vector<std::string> Names() const;
  bool Has(const std::string& chrom) const;
  // Length of `chrom`; throws Error(kNotFound) if absent.
  std::int64_t Length(const std::string& chrom) const;

  // Bases [start, end) of `chrom` (0-based), as stored (case kept). Throws
  // Error(kOutOfRange) when the interval leaves the chromosome.
  std::string Fetch(const std::string& chrom, std::int64_t start, std::int64_t end) const;

  // Counts of A, C, G, T (either case) over the whole genome.
  std::array<std::uint64_t, 4> CountBases() const;

 private:
  Genome() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  mutable std::mutex mu_;
};

}  // namespace getps
