#include "featurizer/genome.h"

#include <htslib/faidx.h>
#include <htslib/hts.h>
#include <cstdint>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>

#include "common/error.h"
#include "featurizer/fasta_check.h"
#include "featurizer/motif_scanner.h"

namespace getps {

struct Genome::Impl {
  faidx_t* fai = nullptr;
  ~Impl() {
    if (fai) fai_destroy(fai);
  }
};

Genome::~Genome() = default;

namespace {

// Whether any write bit of `dir` is set (not whether this user may write:
// root may write anywhere, and a folder made read-only is left alone).
bool MarkedWritable(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::perms p = fs::status(dir, ec).permissions();
  return !ec && (p & (fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write)) !=
                    fs::perms::none;
}

}  // namespace

std::unique_ptr<Genome> Genome::Open(const std::string& fasta, const std::string& index_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(fasta, ec))
    throw Error(ErrorCode::kNotFound, "genome FASTA " + fasta + " does not exist");
  if (fs::is_directory(fasta, ec))
    throw Error(ErrorCode::kInvalidArgument, "genome FASTA " + fasta + " is a directory");
  const std::string dir =
      index_dir.empty() ? (fs::temp_directory_path() / "getps-fai").string() : index_dir;
  // Cached indexes are named by the FASTA's absolute path too: two genome.fa
  // in different read-only folders must not share one.
  char tag[32];
  std::snprintf(tag, sizeof tag, "%016zx-",
                std::hash<std::string>{}(fs::absolute(fasta, ec).string()));
  const std::string base = (fs::path(dir) / (tag + fs::path(fasta).filename().string())).string();
  const std::string fai = base + ".fai", gzi = base + ".gzi";
  // A stale index in the cache would describe another file: rebuild it.
  if (fs::exists(fai, ec) && fs::last_write_time(fai, ec) < fs::last_write_time(fasta, ec)) {
    fs::remove(fai, ec);
    fs::remove(gzi, ec);
  }
  // htslib indexes whatever it is given: the records are checked before an
  // index is built (once; an index beside the FASTA or in the cache says
  // they were). An index already there is checked instead, since htslib
  // trusts it (a width of 0 would crash every fetch).
  const bool beside = fs::exists(fasta + ".fai", ec), cached = fs::exists(fai, ec);
  if (beside) CheckFastaIndex(fasta + ".fai", fasta);
  if (cached) CheckFastaIndex(fai, fasta);
  if (!beside && !cached) CheckFasta(fasta);
  std::unique_ptr<Genome> g(new Genome());
  g->impl_ = std::make_unique<Impl>();
  g->path_ = fasta;
  // Next to the FASTA first (the usual place, found by other tools too),
  // unless its folder is marked read-only: root could write there anyway.
  if (beside || MarkedWritable(fs::absolute(fasta, ec).parent_path()))
    g->impl_->fai = fai_load3(fasta.c_str(), nullptr, nullptr, FAI_CREATE);
  if (!g->impl_->fai) {
    fs::create_directories(dir);
    g->impl_->fai = fai_load3(fasta.c_str(), fai.c_str(), gzi.c_str(), FAI_CREATE);
  }
  if (!g->impl_->fai) {
    throw Error(ErrorCode::kInvalidArgument, "cannot index genome FASTA " + fasta +
                                                 " (is it FASTA, plain or bgzip-compressed? a gzip "
                                                 "file must be recompressed with bgzip)");
  }
  return g;
}

std::vector<std::string> Genome::Names() const {
  std::vector<std::string> names;
  const int n = faidx_nseq(impl_->fai);
  for (int i = 0; i < n; ++i) names.emplace_back(faidx_iseq(impl_->fai, i));
  return names;
}

bool Genome::Has(const std::string& chrom) const {
  return faidx_has_seq(impl_->fai, chrom.c_str()) != 0;
}

std::int64_t Genome::Length(const std::string& chrom) const {
  if (!Has(chrom))
    throw Error(ErrorCode::kNotFound, "genome " + path_ + " has no sequence named '" + chrom + "'");
  return faidx_seq_len(impl_->fai, chrom.c_str());
}

std::string Genome::Fetch(const std::string& chrom, std::int64_t start, std::int64_t end) const {
  const std::int64_t len = Length(chrom);
  if (start < 0 || end > len || end < start) {
    throw Error(ErrorCode::kOutOfRange,
                chrom + ":" + std::to_string(start) + "-" + std::to_string(end) + " lies outside " +
                    chrom + " (length " + std::to_string(len) + ") of genome " + path_);
  }
  if (end == start) return {};
  std::lock_guard<std::mutex> lock(mu_);
  hts_pos_t got = 0;
  char* seq = faidx_fetch_seq64(impl_->fai, chrom.c_str(), start, end - 1, &got);
  if (!seq || got != end - start) {
    std::free(seq);
    throw Error(ErrorCode::kIOError, "cannot read " + chrom + ":" + std::to_string(start) + "-" +
                                         std::to_string(end) + " from " + path_);
  }
  std::string out(seq, static_cast<std::size_t>(got));
  std::free(seq);
  return out;
}

std::array<std::uint64_t, 4> Genome::CountBases() const {
  std::array<std::uint64_t, 4> counts{};
  std::vector<std::uint8_t> encoded;
  for (const auto& name : Names()) {
    const std::int64_t len = Length(name);
    constexpr std::int64_t kChunk = 1 << 24;
    for (std::int64_t s = 0; s < len; s += kChunk) {
      EncodeSequence(Fetch(name, s, std::min(len, s + kChunk)), &encoded);
      for (std::uint8_t b : encoded) {
        if (b < 4) ++counts[b];
      }
    }
  }
  return counts;
}

}  // namespace getps
