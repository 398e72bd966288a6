#include "featurizer/hdf5_file.h"

#include <hdf5.h>
#include <cstdint>

#include <filesystem>
#include <type_traits>

#include "common/error.h"

namespace getps {
namespace {

static_assert(std::is_same_v<hid_t, std::int64_t>, "HDF5 >= 1.10: hid_t is 64-bit");

void QuietErrors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

// The type of the strings Cell Ranger writes (fixed length, NUL-padded):
// one byte more than the longest, at least 1.
hid_t FixedStringType(const std::vector<std::string>& values) {
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size() + 1);
  const hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, width);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  return t;
}

std::string Trimmed(const char* p, std::size_t n, H5T_str_t pad) {
  std::size_t len = 0;
  while (len < n && p[len] != '\0') ++len;
  if (pad == H5T_STR_SPACEPAD) {
    while (len > 0 && p[len - 1] == ' ') --len;
  }
  return std::string(p, len);
}

// Object creation properties without modification times, so the same data
// writes the same bytes (the simulated world is deterministic by seed).
hid_t UntimedCreation(hid_t property_class) {
  const hid_t p = H5Pcreate(property_class);
  H5Pset_obj_track_times(p, false);
  return p;
}

}  // namespace

Hdf5File::Hdf5File(const std::string& path) : path_(path) {
  QuietErrors();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error(ErrorCode::kNotFound, path + ": no such file");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) throw Error(ErrorCode::kIOError, path + ": cannot read the file");
  if (is_hdf5 == 0) {
    throw Error(ErrorCode::kInvalidArgument,
                path + ": not an HDF5 file (expected a 10x .h5 or an AnnData .h5ad)");
  }
  id_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id_ < 0) throw Error(ErrorCode::kIOError, path + ": HDF5 could not open the file");
}

Hdf5File::~Hdf5File() {
  if (id_ >= 0) H5Fclose(id_);
}

bool Hdf5File::Exists(const std::string& name) const {
  // Each prefix must exist before its child is asked for (HDF5's rule).
  for (std::size_t pos = name.find('/', 1);; pos = name.find('/', pos + 1)) {
    const std::string prefix = name.substr(0, pos);
    if (!prefix.empty() && prefix != "/" && H5Lexists(id_, prefix.c_str(), H5P_DEFAULT) <= 0)
      return false;
    if (pos == std::string::npos) return true;
  }
}

bool Hdf5File::IsGroup(const std::string& name) const {
  if (!Exists(name)) return false;
  const hid_t o = H5Oopen(id_, name.c_str(), H5P_DEFAULT);
  if (o < 0) return false;
  const bool group = H5Iget_type(o) == H5I_GROUP;
  H5Oclose(o);
  return group;
}

std::vector<std::string> Hdf5File::Children(const std::string& name) const {
  std::vector<std::string> out;
  if (name != "/" && !IsGroup(name)) return out;
  auto add = [](hid_t, const char* child, const H5L_info_t*, void* names) -> herr_t {
    static_cast<std::vector<std::string>*>(names)->emplace_back(child);
    return 0;
  };
  H5Literate_by_name(id_, name.c_str(), H5_INDEX_NAME, H5_ITER_INC, nullptr, add, &out,
                     H5P_DEFAULT);
  return out;
}

std::string Hdf5File::StringAttribute(const std::string& name, const std::string& attr) const {
  if (!Exists(name) || H5Aexists_by_name(id_, name.c_str(), attr.c_str(), H5P_DEFAULT) <= 0)
    return "";
  const hid_t a = H5Aopen_by_name(id_, name.c_str(), attr.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  const hid_t t = H5Aget_type(a), space = H5Aget_space(a);
  std::string out;
  // One string only: an array attribute would not fit the buffers below.
  if (H5Tget_class(t) == H5T_STRING && H5Sget_simple_extent_npoints(space) == 1) {
    if (H5Tis_variable_str(t) > 0) {
      char* s = nullptr;
      const hid_t m = H5Tget_native_type(t, H5T_DIR_ASCEND);
      if (H5Aread(a, m, &s) >= 0 && s) {
        out = s;
        H5free_memory(s);
      }
      H5Tclose(m);
    } else {
      std::string buf(H5Tget_size(t), '\0');
      if (H5Aread(a, t, buf.data()) >= 0) out = Trimmed(buf.data(), buf.size(), H5Tget_strpad(t));
    }
  }
  H5Sclose(space);
  H5Tclose(t);
  H5Aclose(a);
  return out;
}

std::vector<std::int64_t> Hdf5File::IntAttribute(const std::string& name,
                                                 const std::string& attr) const {
  if (!Exists(name) || H5Aexists_by_name(id_, name.c_str(), attr.c_str(), H5P_DEFAULT) <= 0)
    return {};
  const hid_t a = H5Aopen_by_name(id_, name.c_str(), attr.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  const hid_t t = H5Aget_type(a), s = H5Aget_space(a);
  std::vector<std::int64_t> out;
  if (H5Tget_class(t) == H5T_INTEGER) {
    out.resize(static_cast<std::size_t>(H5Sget_simple_extent_npoints(s)));
    if (H5Aread(a, H5T_NATIVE_INT64, out.data()) < 0) out.clear();
  }
  H5Sclose(s);
  H5Tclose(t);
  H5Aclose(a);
  return out;
}

Hdf5Dataset::Hdf5Dataset(const Hdf5File& file, const std::string& name)
    : file_(file.path()), name_(name) {
  if (!file.Exists(name)) throw Error(ErrorCode::kNotFound, Where() + ": no such dataset");
  if (file.IsGroup(name))
    throw Error(ErrorCode::kInvalidArgument, Where() + ": expected a dataset, found a group");
  id_ = H5Dopen2(file.id(), name.c_str(), H5P_DEFAULT);
  if (id_ < 0) throw Error(ErrorCode::kIOError, Where() + ": HDF5 could not open it");
  type_ = H5Dget_type(id_);
  const hid_t space = H5Dget_space(id_);
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank > 0) {
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    shape_.assign(dims.begin(), dims.end());
  }
  H5Sclose(space);
}

Hdf5Dataset::~Hdf5Dataset() {
  if (type_ >= 0) H5Tclose(type_);
  if (id_ >= 0) H5Dclose(id_);
}

std::string Hdf5Dataset::Where() const { return file_ + " dataset " + name_; }

std::uint64_t Hdf5Dataset::size() const {
  std::uint64_t n = 1;
  for (auto d : shape_) n *= d;
  return n;
}

bool Hdf5Dataset::IsInteger() const { return H5Tget_class(type_) == H5T_INTEGER; }
bool Hdf5Dataset::IsNumber() const { return IsInteger() || H5Tget_class(type_) == H5T_FLOAT; }
bool Hdf5Dataset::IsString() const { return H5Tget_class(type_) == H5T_STRING; }

void Hdf5Dataset::ReadAs(hid_t memory_type, std::uint64_t first, std::uint64_t count,
                         void* out) const {
  if (!IsNumber())
    throw Error(ErrorCode::kInvalidArgument, Where() + ": expected numbers, found another type");
  if (shape_.empty() || shape_.size() > 2)
    throw Error(ErrorCode::kInvalidArgument, Where() + ": expected a 1-D or 2-D dataset");
  if (first + count > shape_[0]) {
    throw Error(ErrorCode::kOutOfRange, Where() + ": asked for " + std::to_string(first + count) +
                                            " rows, it has " + std::to_string(shape_[0]));
  }
  if (count == 0) return;
  hsize_t start[2] = {first, 0}, extent[2] = {count, shape_.size() == 2 ? shape_[1] : 1};
  const int rank = static_cast<int>(shape_.size());
  const hid_t file_space = H5Dget_space(id_);
  H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, extent, nullptr);
  const hid_t memory_space = H5Screate_simple(rank, extent, nullptr);
  const herr_t rc = H5Dread(id_, memory_type, memory_space, file_space, H5P_DEFAULT, out);
  H5Sclose(memory_space);
  H5Sclose(file_space);
  if (rc < 0) throw Error(ErrorCode::kIOError, Where() + ": HDF5 could not read it");
}

void Hdf5Dataset::Read(std::uint64_t first, std::uint64_t count, double* out) const {
  ReadAs(H5T_NATIVE_DOUBLE, first, count, out);
}

void Hdf5Dataset::Read(std::uint64_t first, std::uint64_t count, std::int64_t* out) const {
  if (!IsInteger())
    throw Error(ErrorCode::kInvalidArgument, Where() + ": expected integers, found another type");
  ReadAs(H5T_NATIVE_INT64, first, count, out);
}

std::vector<std::int64_t> Hdf5Dataset::ReadInts() const {
  if (shape_.size() != 1) throw Error(ErrorCode::kInvalidArgument, Where() + ": expected 1-D");
  std::vector<std::int64_t> out(shape_[0]);
  Read(0, shape_[0], out.data());
  return out;
}

std::vector<std::string> Hdf5Dataset::ReadStrings() const {
  if (!IsString() || shape_.size() != 1)
    throw Error(ErrorCode::kInvalidArgument, Where() + ": expected a 1-D dataset of strings");
  const std::size_t n = shape_[0];
  std::vector<std::string> out;
  out.reserve(n);
  if (H5Tis_variable_str(type_) > 0) {
    std::vector<char*> p(n, nullptr);
    const hid_t m = H5Tget_native_type(type_, H5T_DIR_ASCEND);
    if (H5Dread(id_, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) < 0) {
      H5Tclose(m);
      throw Error(ErrorCode::kIOError, Where() + ": HDF5 could not read its strings");
    }
    for (char* s : p) out.emplace_back(s ? s : "");
    const hid_t space = H5Dget_space(id_);
    H5Dvlen_reclaim(m, space, H5P_DEFAULT, p.data());
    H5Sclose(space);
    H5Tclose(m);
    return out;
  }
  const std::size_t width = H5Tget_size(type_);
  std::vector<char> buf(n * width);
  if (H5Dread(id_, type_, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
    throw Error(ErrorCode::kIOError, Where() + ": HDF5 could not read its strings");
  const H5T_str_t pad = H5Tget_strpad(type_);
  for (std::size_t i = 0; i < n; ++i) out.push_back(Trimmed(&buf[i * width], width, pad));
  return out;
}

Hdf5Writer::Hdf5Writer(const std::string& path) : path_(path) {
  QuietErrors();
  id_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id_ < 0) throw Error(ErrorCode::kIOError, path + ": cannot create an HDF5 file");
}

Hdf5Writer::~Hdf5Writer() {
  if (id_ >= 0) H5Fclose(id_);
}

void Hdf5Writer::CreateGroup(const std::string& name) {
  const hid_t gcpl = UntimedCreation(H5P_GROUP_CREATE);
  const hid_t g = H5Gcreate2(id_, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT);
  H5Pclose(gcpl);
  if (g < 0) throw Error(ErrorCode::kIOError, path_ + ": cannot create group " + name);
  H5Gclose(g);
}

void Hdf5Writer::WriteNumbers(const std::string& name, hid_t type, std::size_t n,
                              const void* data) {
  const hsize_t dims[1] = {n};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t dcpl = UntimedCreation(H5P_DATASET_CREATE);
  const hid_t d = H5Dcreate2(id_, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Pclose(dcpl);
  const herr_t rc = d < 0 ? -1 : H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  if (d >= 0) H5Dclose(d);
  H5Sclose(space);
  if (rc < 0) throw Error(ErrorCode::kIOError, path_ + ": cannot write dataset " + name);
}

void Hdf5Writer::Write(const std::string& name, const std::vector<std::int32_t>& v) {
  WriteNumbers(name, H5T_NATIVE_INT32, v.size(), v.data());
}

void Hdf5Writer::Write(const std::string& name, const std::vector<std::int64_t>& v) {
  WriteNumbers(name, H5T_NATIVE_INT64, v.size(), v.data());
}

void Hdf5Writer::Write(const std::string& name, const std::vector<float>& v) {
  WriteNumbers(name, H5T_NATIVE_FLOAT, v.size(), v.data());
}

void Hdf5Writer::Write(const std::string& name, const std::vector<std::string>& values) {
  const hid_t t = FixedStringType(values);
  const std::size_t width = H5Tget_size(t);
  std::vector<char> buf(values.size() * width, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) values[i].copy(&buf[i * width], values[i].size());
  WriteNumbers(name, t, values.size(), buf.data());
  H5Tclose(t);
}

void Hdf5Writer::SetAttribute(const std::string& name, const std::string& attr,
                              const std::string& value) {
  const hid_t t = FixedStringType({value});
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate_by_name(id_, name.c_str(), attr.c_str(), t, space, H5P_DEFAULT,
                                    H5P_DEFAULT, H5P_DEFAULT);
  std::string buf(H5Tget_size(t), '\0');
  value.copy(buf.data(), value.size());
  const herr_t rc = a < 0 ? -1 : H5Awrite(a, t, buf.data());
  if (a >= 0) H5Aclose(a);
  H5Sclose(space);
  H5Tclose(t);
  if (rc < 0)
    throw Error(ErrorCode::kIOError, path_ + ": cannot write attribute " + attr + " of " + name);
}

void Hdf5Writer::SetAttribute(const std::string& name, const std::string& attr,
                              const std::vector<std::int64_t>& values) {
  const hsize_t dims[1] = {values.size()};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t a = H5Acreate_by_name(id_, name.c_str(), attr.c_str(), H5T_NATIVE_INT64, space,
                                    H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const herr_t rc = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_INT64, values.data());
  if (a >= 0) H5Aclose(a);
  H5Sclose(space);
  if (rc < 0)
    throw Error(ErrorCode::kIOError, path_ + ": cannot write attribute " + attr + " of " + name);
}

void Hdf5Writer::Close() {
  if (id_ < 0) return;
  const herr_t rc = H5Fclose(id_);
  id_ = -1;
  if (rc < 0) throw Error(ErrorCode::kIOError, path_ + ": HDF5 could not finish the file");
}

}  // namespace getps
