#include "storage/genotype_store.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <cstdint>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "storage/rocksdb_env.h"
#include "storage/store_reader.h"
#include "storage/store_schema.h"
#include "storage/store_staging.h"

namespace getps {
namespace {

using storage_internal::ThrowIfError;
using Json = nlohmann::json;

constexpr char kMetadataKey[] = "metadata";

std::string BigEndian16(std::uint16_t v) {
  return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
}
std::string PersonKey(std::uint16_t individual, std::uint32_t region) {
  return "p" + BigEndian16(individual) + schema::BigEndian32(region);
}
std::string AlleleKey(std::uint32_t region, std::uint32_t variant) {
  return "a" + schema::BigEndian32(region) + schema::BigEndian32(variant);
}
std::string VariantKey(std::uint32_t variant) { return "v" + schema::BigEndian32(variant); }
std::string DosageKey(std::uint32_t variant) { return "g" + schema::BigEndian32(variant); }
std::string ExpressionKey(std::uint16_t celltype, std::uint16_t individual) {
  return "x" + BigEndian16(celltype) + BigEndian16(individual);
}

// u32 n, u16 features[n], f32 deltas[n] (little-endian, as the store's rows).
std::string Encode(const SparseDelta& d) {
  const auto n = static_cast<std::uint32_t>(d.features.size());
  std::string out(4 + n * 6, '\0');
  std::memcpy(out.data(), &n, 4);
  std::memcpy(out.data() + 4, d.features.data(), n * 2);
  std::memcpy(out.data() + 4 + n * 2, d.deltas.data(), n * 4);
  return out;
}

SparseDelta Decode(std::string_view bytes, const std::string& what) {
  std::uint32_t n = 0;
  if (bytes.size() >= 4) std::memcpy(&n, bytes.data(), 4);
  if (bytes.size() < 4 || bytes.size() != 4 + std::size_t{n} * 6)
    throw Error(ErrorCode::kCorruption, what + ": a delta of " + std::to_string(bytes.size()) +
                                            " bytes does not hold its " + std::to_string(n) +
                                            " entries");
  SparseDelta d;
  d.features.resize(n);
  d.deltas.resize(n);
  std::memcpy(d.features.data(), bytes.data() + 4, n * 2);
  std::memcpy(d.deltas.data(), bytes.data() + 4 + n * 2, n * 4);
  return d;
}

Json ToJson(const GenotypeMetadata& m) {
  return {{"format_version", m.format_version},
          {"store", m.store},
          {"store_fingerprint", m.store_fingerprint},
          {"vcf", m.vcf},
          {"individuals", m.individuals},
          {"num_features", m.num_features},
          {"options", m.options},
          {"counts", m.counts},
          {"created_by", m.created_by},
          {"expression_celltypes", m.expression_celltypes}};
}

GenotypeMetadata FromJson(const Json& j) {
  GenotypeMetadata m;
  m.format_version = j.at("format_version").get<int>();
  m.store = j.at("store").get<std::string>();
  m.store_fingerprint = j.at("store_fingerprint").get<std::string>();
  m.vcf = j.at("vcf").get<std::string>();
  m.individuals = j.at("individuals").get<std::vector<std::string>>();
  m.num_features = j.at("num_features").get<std::size_t>();
  m.options = j.at("options").get<std::map<std::string, std::string>>();
  m.counts = j.at("counts").get<std::map<std::string, std::uint64_t>>();
  m.created_by = j.at("created_by").get<std::string>();
  m.expression_celltypes = j.value("expression_celltypes", std::vector<std::string>{});
  return m;
}

rocksdb::ColumnFamilyDescriptor DefaultFamily() {
  return storage_internal::ColumnFamilies(16 << 20).front();
}

}  // namespace

SparseDelta SparseDelta::Between(std::span<const float> before, std::span<const float> after) {
  SparseDelta d;
  for (std::size_t j = 0; j < before.size(); ++j) {
    if (after[j] == before[j]) continue;
    d.features.push_back(static_cast<std::uint16_t>(j));
    d.deltas.push_back(after[j] - before[j]);
  }
  return d;
}

void SparseDelta::AddTo(std::span<float> row) const {
  for (std::size_t k = 0; k < features.size(); ++k) row[features[k]] += deltas[k];
}

struct GenotypeWriter::State {
  std::string path;
  bool overwrite = false;
  std::unique_ptr<StagingRegistry> staging;  // before db: the database closes first
  storage_internal::DatabaseHandles db;
  rocksdb::WriteOptions write_options;
  bool finished = false;

  void Put(const std::string& key, const std::string& value) {
    ThrowIfError(db.db->Put(write_options, db.families[0], key, value), "genotype store " + path);
  }
};

GenotypeWriter::GenotypeWriter(std::unique_ptr<State> state) : s_(std::move(state)) {}
// A writer that never finished (its import failed) removes what it wrote:
// PATH.writing is left only by a process that died.
GenotypeWriter::~GenotypeWriter() {
  if (!s_ || s_->finished) return;
  s_->db.Close();
  std::error_code ignored;
  std::filesystem::remove_all(StagingPath(s_->path), ignored);
}

std::unique_ptr<GenotypeWriter> GenotypeWriter::Create(const std::string& path, bool overwrite) {
  PrepareStaging(path, overwrite);
  auto s = std::make_unique<State>();
  s->path = path;
  s->overwrite = overwrite;
  s->write_options.disableWAL = true;  // durable at Finish's flush; unpublished until then
  rocksdb::DBOptions options = storage_internal::DatabaseOptions();
  options.create_if_missing = true;
  options.error_if_exists = true;
  const std::string staging = StagingPath(path);
  s->staging = std::make_unique<StagingRegistry>(staging);
  rocksdb::DB* raw = nullptr;
  ThrowIfError(rocksdb::DB::Open(options, staging, {DefaultFamily()}, &s->db.families, &raw),
               "cannot create genotype store " + path + " (at " + staging + ")");
  s->db.db.reset(raw);
  return std::unique_ptr<GenotypeWriter>(new GenotypeWriter(std::move(s)));
}

void GenotypeWriter::PutPersonDelta(std::uint16_t individual, std::uint32_t region,
                                    const SparseDelta& delta) {
  s_->Put(PersonKey(individual, region), Encode(delta));
}

void GenotypeWriter::PutAlleleDelta(std::uint32_t region, std::uint32_t variant,
                                    const SparseDelta& delta) {
  s_->Put(AlleleKey(region, variant), Encode(delta));
}

void GenotypeWriter::PutVariant(std::uint32_t variant, const GenotypeVariant& v,
                                std::span<const std::uint8_t> dosages) {
  Json j{{"chrom", v.chrom}, {"pos", v.pos}, {"ref", v.ref}, {"alt", v.alt}, {"region", v.region}};
  if (!v.status.empty()) j["status"] = v.status;
  s_->Put(VariantKey(variant), j.dump());
  s_->Put(DosageKey(variant), std::string(dosages.begin(), dosages.end()));
}

void GenotypeWriter::PutExpression(std::uint16_t celltype, std::uint16_t individual,
                                   std::span<const float> per_gene) {
  s_->Put(ExpressionKey(celltype, individual),
          std::string(reinterpret_cast<const char*>(per_gene.data()), per_gene.size_bytes()));
}

void GenotypeWriter::Finish(const GenotypeMetadata& metadata) {
  State& s = *s_;
  s.Put(kMetadataKey, ToJson(metadata).dump());
  ThrowIfError(s.db.db->Flush(rocksdb::FlushOptions(), s.db.families[0]),
               "genotype store " + s.path + ": flushing");
  ThrowIfError(
      s.db.db->CompactRange(rocksdb::CompactRangeOptions(), s.db.families[0], nullptr, nullptr),
      "genotype store " + s.path + ": compacting");
  s.db.Close();
  PublishStaging(s.path, s.overwrite);
  s.finished = true;
}

struct GenotypeReader::State {
  std::string path;
  storage_internal::DatabaseHandles db;
  GenotypeMetadata metadata;
  std::uint32_t num_variants = 0;

  std::optional<std::string> Get(const std::string& key) const {
    std::string value;
    const rocksdb::Status st = db.db->Get(rocksdb::ReadOptions(), db.families[0], key, &value);
    if (st.IsNotFound()) return std::nullopt;
    ThrowIfError(st, "genotype store " + path);
    return value;
  }
  // Calls fn(key, value) for every key starting with `prefix`, in order.
  template <typename Fn>
  void Scan(const std::string& prefix, Fn&& fn) const {
    rocksdb::ReadOptions ro;
    ro.verify_checksums = true;
    std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(ro, db.families[0]));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
      fn(std::string_view(it->key().data(), it->key().size()),
         std::string_view(it->value().data(), it->value().size()));
    ThrowIfError(it->status(), "genotype store " + path);
  }
};

GenotypeReader::GenotypeReader(std::unique_ptr<State> state) : s_(std::move(state)) {}
GenotypeReader::~GenotypeReader() = default;

std::unique_ptr<GenotypeReader> GenotypeReader::Open(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(fs::path(path) / "CURRENT", ec)) {
    ThrowIfUnfinished(path);
    throw Error(ErrorCode::kNotFound, "no genotype store at " + path +
                                          " (expected a folder written by getps genotypes import)");
  }
  auto s = std::make_unique<State>();
  s->path = path;
  rocksdb::DB* raw = nullptr;
  ThrowIfError(rocksdb::DB::OpenForReadOnly(storage_internal::DatabaseOptions(), path,
                                            {DefaultFamily()}, &s->db.families, &raw),
               "cannot open genotype store " + path);
  s->db.db.reset(raw);
  const auto meta = s->Get(kMetadataKey);
  if (!meta)
    throw Error(ErrorCode::kNotFound,
                path + " is a database but not a genotype store (no metadata)");
  try {
    s->metadata = FromJson(Json::parse(*meta));
  } catch (const Json::exception& e) {
    throw Error(ErrorCode::kCorruption, "genotype store " + path + ": metadata: " + e.what());
  }
  auto it = s->metadata.counts.find("alleles_stored");
  s->num_variants = it == s->metadata.counts.end() ? 0 : static_cast<std::uint32_t>(it->second);
  return std::unique_ptr<GenotypeReader>(new GenotypeReader(std::move(s)));
}

const std::string& GenotypeReader::path() const { return s_->path; }
const GenotypeMetadata& GenotypeReader::metadata() const { return s_->metadata; }
std::uint32_t GenotypeReader::NumVariants() const { return s_->num_variants; }

std::uint16_t GenotypeReader::IndividualIndex(std::string_view name) const {
  const auto& all = s_->metadata.individuals;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i] == name) return static_cast<std::uint16_t>(i);
  throw Error(ErrorCode::kNotFound, "genotype store " + s_->path + " has no individual '" +
                                        std::string(name) + "' (it has " +
                                        std::to_string(all.size()) + ")");
}

void GenotypeReader::RequireStore(const StoreReader& store) const {
  if (s_->metadata.store_fingerprint != store.fingerprint())
    throw Error(ErrorCode::kInvalidArgument, "genotype store " + s_->path +
                                                 " was imported against another store (" +
                                                 s_->metadata.store + "), not " + store.path());
}

SparseDelta GenotypeReader::PersonDelta(std::uint16_t individual, std::uint32_t region) const {
  const auto value = s_->Get(PersonKey(individual, region));
  return value ? Decode(*value, s_->path) : SparseDelta{};
}

std::vector<std::pair<std::uint32_t, SparseDelta>> GenotypeReader::PersonDeltas(
    std::uint16_t individual) const {
  std::vector<std::pair<std::uint32_t, SparseDelta>> out;
  s_->Scan("p" + BigEndian16(individual), [&](std::string_view key, std::string_view value) {
    out.emplace_back(schema::DecodeBigEndian32(key.substr(3)), Decode(value, s_->path));
  });
  return out;
}

std::vector<std::pair<std::uint32_t, SparseDelta>> GenotypeReader::AlleleDeltas(
    std::uint32_t region) const {
  std::vector<std::pair<std::uint32_t, SparseDelta>> out;
  s_->Scan("a" + schema::BigEndian32(region), [&](std::string_view key, std::string_view value) {
    out.emplace_back(schema::DecodeBigEndian32(key.substr(5)), Decode(value, s_->path));
  });
  return out;
}

std::vector<GenotypeReader::RegionAllele> GenotypeReader::AllAlleleDeltas() const {
  std::vector<RegionAllele> out;
  s_->Scan("a", [&](std::string_view key, std::string_view value) {
    out.push_back({schema::DecodeBigEndian32(key.substr(1)),
                   schema::DecodeBigEndian32(key.substr(5)), Decode(value, s_->path)});
  });
  return out;
}

std::optional<GenotypeVariant> GenotypeReader::Variant(std::uint32_t variant) const {
  const auto value = s_->Get(VariantKey(variant));
  if (!value) return std::nullopt;
  try {
    const Json j = Json::parse(*value);
    return GenotypeVariant{j.at("chrom").get<std::string>(),    j.at("pos").get<std::int64_t>(),
                           j.at("ref").get<std::string>(),      j.at("alt").get<std::string>(),
                           j.at("region").get<std::uint32_t>(), j.value("status", "")};
  } catch (const Json::exception& e) {
    throw Error(ErrorCode::kCorruption, "genotype store " + s_->path + ": variant " +
                                            std::to_string(variant) + ": " + e.what());
  }
}

std::vector<std::uint8_t> GenotypeReader::Dosages(std::uint32_t variant) const {
  const auto value = s_->Get(DosageKey(variant));
  if (!value) return {};
  return {value->begin(), value->end()};
}

std::vector<float> GenotypeReader::Expression(std::uint16_t celltype,
                                              std::uint16_t individual) const {
  const auto value = s_->Get(ExpressionKey(celltype, individual));
  if (!value) return {};
  if (value->size() % sizeof(float))
    throw Error(ErrorCode::kCorruption, "genotype store " + s_->path + ": expression of " +
                                            std::to_string(individual) + " is " +
                                            std::to_string(value->size()) + " bytes");
  std::vector<float> out(value->size() / sizeof(float));
  std::memcpy(out.data(), value->data(), value->size());
  return out;
}

}  // namespace getps
