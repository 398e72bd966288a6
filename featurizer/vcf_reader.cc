#include "featurizer/vcf_reader.h"

#include <htslib/synced_bcf_reader.h>
#include <htslib/vcf.h>
#include <unistd.h>
#include <cstdint>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/error.h"

namespace getps {

struct VcfReader::State {
  std::string path;
  VcfOptions options;
  bcf_srs_t* sr = nullptr;
  bcf_hdr_t* header = nullptr;  // owned by sr
  bool indexed = false;
  bool text = false;               // VCF text: records are lines
  std::uint64_t header_lines = 0;  // lines before the first record
  std::vector<int> columns;        // file's sample index of each chosen sample
  std::vector<std::string> samples;
  VcfFilterCounts counts;
  std::int32_t* gt = nullptr;
  int gt_capacity = 0;
  std::string regions_file;  // a temporary BED of the regions, removed with the reader
  std::string last_where;

  ~State() {
    if (sr) bcf_sr_destroy(sr);
    std::free(gt);
    if (!regions_file.empty()) std::filesystem::remove(regions_file);
  }
};

namespace {

bool HasIndex(const std::string& path) {
  namespace fs = std::filesystem;
  return fs::exists(path + ".tbi") || fs::exists(path + ".csi");
}

// The regions as a temporary BED (0-based: htslib reads a ".bed" so), one
// line per region, for bcf_sr_set_regions.
std::string WriteRegionsBed(const std::vector<Region>& regions) {
  std::string name = (std::filesystem::temp_directory_path() / "getps-vcf-XXXXXX.bed").string();
  const int fd = mkstemps(name.data(), 4);
  if (fd < 0) throw Error(ErrorCode::kIOError, "cannot create a temporary file " + name);
  close(fd);
  std::ofstream out(name);
  for (const Region& r : regions) out << r.chrom << '\t' << r.start << '\t' << r.end << '\n';
  if (!out) throw Error(ErrorCode::kIOError, "cannot write " + name);
  return name;
}

// Calls fn(line) for the lines of a (possibly compressed) text file, in
// order, until it returns false; nothing when the file cannot be opened.
template <typename Fn>
void ForEachLine(const std::string& path, Fn&& fn) {
  htsFile* file = hts_open(path.c_str(), "r");
  if (!file) return;
  kstring_t line{0, 0, nullptr};
  while (hts_getline(file, '\n', &line) >= 0 && fn(std::string_view(line.s, line.l))) {
  }
  std::free(line.s);
  hts_close(file);
}

// The lines of a VCF text file before its first record (htslib's own header
// text has lines it adds, such as FILTER=PASS).
std::uint64_t HeaderLines(const std::string& path) {
  std::uint64_t lines = 0;
  ForEachLine(path, [&](std::string_view line) {
    if (line.empty() || line[0] != '#') return false;
    ++lines;
    return true;
  });
  return lines;
}

void ChooseSamples(VcfReader::State& s) {
  const int n = bcf_hdr_nsamples(s.header);
  if (s.options.sites_only) return;
  if (s.options.samples.empty()) {
    for (int i = 0; i < n; ++i) {
      s.columns.push_back(i);
      s.samples.emplace_back(s.header->samples[i]);
    }
    return;
  }
  for (const std::string& name : s.options.samples) {
    const int i = bcf_hdr_id2int(s.header, BCF_DT_SAMPLE, name.c_str());
    if (i < 0)
      throw Error(ErrorCode::kNotFound, s.path + ": no sample '" + name + "' (the file has " +
                                            std::to_string(n) + " samples)");
    s.columns.push_back(i);
    s.samples.push_back(name);
  }
}

// "A", "ACGTN" (any case): a sequence allele; '*', "<...>", breakends and
// '.' are symbolic. Anything else is an error.
bool SequenceAllele(const std::string& allele, const std::string& where, bool is_ref) {
  if (allele.empty())
    throw Error(ErrorCode::kInvalidArgument, where + ": an empty " + (is_ref ? "REF" : "ALT") +
                                                 ": expected bases A, C, G, T or N");
  if (allele.find_first_not_of("ACGTNacgtn") == std::string::npos) return true;
  const bool symbolic = allele == "*" || allele == "." || allele.front() == '<' ||
                        allele.find_first_of("[]") != std::string::npos;
  if (symbolic && !is_ref) return false;
  throw Error(ErrorCode::kInvalidArgument, where + ": " + (is_ref ? "REF" : "ALT") + " '" + allele +
                                               "': expected bases A, C, G, T or N" +
                                               (is_ref ? "" : " or a symbolic allele"));
}

// Line `number` of a VCF text file ("" past its end).
std::string LineOf(const std::string& path, std::uint64_t number) {
  std::string out;
  std::uint64_t n = 0;
  ForEachLine(path, [&](std::string_view line) {
    if (++n < number) return true;
    out.assign(line);
    return false;
  });
  return out;
}

// What is wrong with a record line htslib refused, when it is one of the
// usual problems; "" otherwise.
std::string Diagnose(const std::string& line, int samples) {
  const auto columns = static_cast<int>(std::count(line.begin(), line.end(), '\t')) + 1;
  const int expected = samples ? 9 + samples : 8;
  if (columns != expected && !(samples == 0 && columns >= 8))
    return std::to_string(columns) + " columns; expected " + std::to_string(expected) +
           (samples ? " (8 fixed, FORMAT and " + std::to_string(samples) + " samples)" : "");
  return "";
}

}  // namespace

VcfReader::VcfReader(std::unique_ptr<State> state) : s_(std::move(state)) {}
VcfReader::~VcfReader() = default;

std::unique_ptr<VcfReader> VcfReader::Open(const std::string& path, const VcfOptions& options,
                                           const std::vector<Region>& regions) {
  if (!std::filesystem::exists(path)) throw Error(ErrorCode::kNotFound, "no VCF file " + path);
  auto s = std::make_unique<State>();
  s->path = path;
  s->options = options;
  s->sr = bcf_sr_init();
  s->indexed = !regions.empty() && HasIndex(path);
  if (s->indexed) {
    s->regions_file = WriteRegionsBed(regions);
    bcf_sr_set_opt(s->sr, BCF_SR_REQUIRE_IDX);
    if (bcf_sr_set_regions(s->sr, s->regions_file.c_str(), 1) < 0)
      throw Error(ErrorCode::kInvalidArgument, path + ": cannot restrict reading to the regions");
  }
  if (!bcf_sr_add_reader(s->sr, path.c_str()))
    throw Error(ErrorCode::kInvalidArgument,
                path + ": not a readable VCF or BCF file (" + bcf_sr_strerror(s->sr->errnum) + ")");
  s->header = bcf_sr_get_header(s->sr, 0);
  s->text = s->sr->readers[0].file->format.format == vcf;
  if (s->text && !s->indexed) s->header_lines = HeaderLines(path);
  ChooseSamples(*s);
  return std::unique_ptr<VcfReader>(new VcfReader(std::move(s)));
}

const std::string& VcfReader::path() const { return s_->path; }
const std::vector<std::string>& VcfReader::samples() const { return s_->samples; }
bool VcfReader::indexed() const { return s_->indexed; }
const VcfFilterCounts& VcfReader::counts() const { return s_->counts; }

std::vector<std::string> VcfReader::contigs() const {
  int n = 0;
  const char** names = bcf_hdr_seqnames(s_->header, &n);
  std::vector<std::string> out(names, names + n);
  std::free(names);
  return out;
}

namespace {

std::string RecordProblem(int errcode) {
  if (errcode & BCF_ERR_NCOLS) return "the number of columns does not match the header's samples";
  if (errcode & BCF_ERR_LIMITS) return "a value is beyond htslib's limits";
  if (errcode & BCF_ERR_CHAR) return "a field holds an invalid character";
  if (errcode & BCF_ERR_CTG_INVALID) return "an invalid chromosome name";
  if (errcode & BCF_ERR_TAG_INVALID) return "an INFO or FORMAT field contradicts its header line";
  return "";
}

// The two allele indices and phase of every chosen sample.
void ReadGenotypes(VcfReader::State& s, bcf1_t* rec, VcfSite* site) {
  const int n = bcf_get_genotypes(s.header, rec, &s.gt, &s.gt_capacity);
  const int samples = bcf_hdr_nsamples(s.header);
  const int ploidy = n > 0 && samples > 0 ? n / samples : 0;
  if (ploidy > 2)
    throw Error(ErrorCode::kInvalidArgument,
                site->where + ": ploidy " + std::to_string(ploidy) + ": expected 1 or 2");
  site->alleles.assign(2 * s.columns.size(), -1);
  site->phased.assign(s.columns.size(), 0);
  if (ploidy == 0) return;  // no GT: every call missing
  const int alleles = static_cast<int>(rec->n_allele);
  for (std::size_t k = 0; k < s.columns.size(); ++k) {
    const std::int32_t* g = s.gt + s.columns[k] * ploidy;
    const bool haploid = ploidy == 1 || g[1] == bcf_int32_vector_end;
    for (int j = 0; j < 2; ++j) {
      const std::int32_t v = g[haploid ? 0 : j];
      if (v == bcf_int32_vector_end || bcf_gt_is_missing(v)) continue;
      const int a = bcf_gt_allele(v);
      if (a < 0 || a >= alleles)
        throw Error(ErrorCode::kInvalidArgument,
                    site->where + ": sample " + s.samples[k] + " has allele " + std::to_string(a) +
                        ": the site has " + std::to_string(alleles - 1) + " ALT allele(s)");
      site->alleles[2 * k + static_cast<std::size_t>(j)] = static_cast<std::int8_t>(a);
    }
    site->phased[k] = haploid || bcf_gt_is_phased(g[1]);
  }
}

bool Passes(VcfReader::State& s, bcf1_t* rec) {
  if (s.options.min_qual && !bcf_float_is_missing(rec->qual) && rec->qual < *s.options.min_qual) {
    ++s.counts.low_qual;
    return false;
  }
  if (s.options.pass_only && rec->d.n_flt > 0 &&
      bcf_has_filter(s.header, rec, const_cast<char*>("PASS")) != 1) {
    ++s.counts.not_passed;
    return false;
  }
  return true;
}

}  // namespace

bool VcfReader::Next(VcfSite* site) {
  State& s = *s_;
  while (bcf_sr_next_line(s.sr)) {
    bcf1_t* rec = bcf_sr_get_line(s.sr, 0);
    ++s.counts.read;
    site->chrom = bcf_hdr_id2name(s.header, rec->rid);
    site->pos = rec->pos;
    site->where = s.path + ": " +
                  (s.text && !s.indexed ? "line " + std::to_string(s.header_lines + s.counts.read)
                                        : site->chrom + ":" + std::to_string(rec->pos + 1));
    s.last_where = site->where;
    if (rec->pos < 0)
      throw Error(ErrorCode::kInvalidArgument,
                  site->where + ": POS: expected a position of 1 or more");
    if (const std::string problem = RecordProblem(rec->errcode); !problem.empty())
      throw Error(ErrorCode::kInvalidArgument, site->where + ": " + problem);
    bcf_unpack(rec, BCF_UN_ALL);
    if (!Passes(s, rec)) continue;
    site->ref = rec->d.allele[0];
    SequenceAllele(site->ref, site->where, true);
    site->alts.clear();
    site->symbolic.clear();
    for (unsigned a = 1; a < rec->n_allele; ++a) {
      site->alts.emplace_back(rec->d.allele[a]);
      site->symbolic.push_back(!SequenceAllele(site->alts.back(), site->where, false));
    }
    ReadGenotypes(s, rec, site);
    return true;
  }
  if (s.sr->errnum) {
    const std::string after =
        s.last_where.empty() ? "in the first record" : "after " + s.last_where;
    const std::string at =
        s.text && !s.indexed ? "line " + std::to_string(s.header_lines + s.counts.read + 1) : after;
    std::string problem;
    if (s.text && !s.indexed)
      problem =
          Diagnose(LineOf(s.path, s.header_lines + s.counts.read + 1), bcf_hdr_nsamples(s.header));
    if (problem.empty())
      problem = std::string("htslib cannot parse the record (") + bcf_sr_strerror(s.sr->errnum) +
                "; its message is above)";
    throw Error(ErrorCode::kInvalidArgument, s.path + ": " + at + ": " + problem);
  }
  return false;
}

}  // namespace getps
