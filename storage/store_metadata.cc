#include "storage/store_metadata.h"

#include <cstdint>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "storage/blob.h"

namespace getps {

using nlohmann::json;

std::size_t MotifDtypeBytes(MotifDtype dtype) { return dtype == MotifDtype::kFloat16 ? 2 : 4; }

namespace {

// Parses `text` as JSON; a malformed document is store corruption.
json ParseStored(const std::string& text, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(ErrorCode::kCorruption, std::string("corrupt store ") + what + ": " + e.what());
  }
}

template <typename F>
auto Decoding(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const json::exception& e) {
    throw Error(ErrorCode::kCorruption, std::string("corrupt store ") + what + ": " + e.what());
  }
}

}  // namespace

std::string EncodeMetadata(const StoreMetadata& m) {
  json j;
  j["format_version"] = m.format_version;
  j["feature_names"] = m.feature_names;
  j["genome_build"] = m.genome_build;
  j["input_checksums"] = m.input_checksums;
  j["motif_dtype"] = MotifDtypeName(m.motif_dtype);
  j["min_count"] = m.min_count;
  j["logcpm_cutoff"] = m.logcpm_cutoff;
  j["logcpm_scale"] = m.logcpm_scale;
  j["min_acpm"] = m.min_acpm;
  j["created_by"] = m.created_by;
  return j.dump();
}

StoreMetadata DecodeMetadata(const std::string& text) {
  json j = ParseStored(text, "metadata");
  return Decoding("metadata", [&] {
    StoreMetadata m;
    m.format_version = j.at("format_version").get<int>();
    m.feature_names = j.at("feature_names").get<std::vector<std::string>>();
    m.genome_build = j.at("genome_build").get<std::string>();
    m.input_checksums = j.at("input_checksums").get<std::map<std::string, std::string>>();
    std::string dtype = j.at("motif_dtype").get<std::string>();
    if (dtype != "float16" && dtype != "float32") {
      throw Error(ErrorCode::kCorruption, "corrupt store metadata: motif_dtype '" + dtype + "'");
    }
    m.motif_dtype = dtype == "float16" ? MotifDtype::kFloat16 : MotifDtype::kFloat32;
    m.min_count = j.at("min_count").get<double>();
    m.logcpm_cutoff = j.at("logcpm_cutoff").get<double>();
    m.logcpm_scale = j.at("logcpm_scale").get<double>();
    m.min_acpm = j.value("min_acpm", -1.0);  // absent from older stores
    m.created_by = j.at("created_by").get<std::string>();
    return m;
  });
}

std::string EncodeCellTypes(const std::vector<CellTypeInfo>& cts) {
  json j = json::array();
  for (const auto& c : cts) {
    j.push_back({{"name", c.name},
                 {"source", c.source},
                 {"cell_count", c.cell_count},
                 {"library_size", c.library_size},
                 {"has_expression", c.has_expression}});
  }
  return j.dump();
}

std::vector<CellTypeInfo> DecodeCellTypes(const std::string& text) {
  json j = ParseStored(text, "cell-type table");
  return Decoding("cell-type table", [&] {
    std::vector<CellTypeInfo> out;
    for (const auto& e : j) {
      CellTypeInfo c;
      c.name = e.at("name").get<std::string>();
      c.source = e.at("source").get<std::string>();
      c.cell_count = e.at("cell_count").get<std::int64_t>();
      c.library_size = e.at("library_size").get<double>();
      c.has_expression = e.at("has_expression").get<bool>();
      out.push_back(std::move(c));
    }
    return out;
  });
}

std::string EncodeChromosomes(const std::vector<ChromosomeRange>& chroms) {
  json j = json::array();
  for (const auto& c : chroms) {
    j.push_back({{"name", c.name}, {"first_id", c.first_id}, {"count", c.count}});
  }
  return j.dump();
}

std::vector<ChromosomeRange> DecodeChromosomes(const std::string& text) {
  json j = ParseStored(text, "chromosome table");
  return Decoding("chromosome table", [&] {
    std::vector<ChromosomeRange> out;
    for (const auto& e : j) {
      out.push_back({e.at("name").get<std::string>(), e.at("first_id").get<std::uint32_t>(),
                     e.at("count").get<std::uint32_t>()});
    }
    return out;
  });
}

std::string EncodeGene(const GeneRecord& gene) {
  json j = {{"chrom", gene.chrom},
            {"tss", gene.tss},
            {"strand", std::string(1, gene.strand)},
            {"region_id", gene.region_id}};
  return j.dump();
}

GeneRecord DecodeGene(const std::string& name, const std::string& value) {
  json j = ParseStored(value, "gene record");
  return Decoding("gene record", [&] {
    GeneRecord g;
    g.name = name;
    g.chrom = j.at("chrom").get<std::string>();
    g.tss = j.at("tss").get<std::uint32_t>();
    g.strand = j.at("strand").get<std::string>().at(0);
    g.region_id = j.at("region_id").get<std::int64_t>();
    return g;
  });
}

std::string EncodeAccessible(const AccessibleRegions& a) {
  BlobWriter w;
  w.Put(static_cast<std::uint32_t>(a.size()));
  w.PutArray(a.ids.data(), a.ids.size());
  w.PutArray(a.counts.data(), a.counts.size());
  w.PutArray(a.logcpm.data(), a.logcpm.size());
  w.PutArray(a.expression.data(), a.expression.size());
  w.PutArray(a.tss.data(), a.tss.size());
  return w.Release();
}

AccessibleRegions DecodeAccessible(const std::string& value, const std::string& what) {
  BlobReader r(value, what);
  auto n = r.Get<std::uint32_t>();
  AccessibleRegions a;
  r.GetArray(&a.ids, n);
  r.GetArray(&a.counts, n);
  r.GetArray(&a.logcpm, n);
  r.GetArray(&a.expression, 2 * static_cast<std::size_t>(n));
  r.GetArray(&a.tss, 2 * static_cast<std::size_t>(n));
  r.ExpectEnd();
  for (std::size_t i = 1; i < a.ids.size(); ++i) {
    if (a.ids[i] <= a.ids[i - 1]) {
      throw Error(ErrorCode::kCorruption,
                  "corrupt store value (" + what + "): region ids not ascending");
    }
  }
  return a;
}

}  // namespace getps
