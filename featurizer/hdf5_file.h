// HDF5 files through the C API (Debian's libhdf5-dev, serial): the reads the
// RNA inputs need (10x .h5, AnnData .h5ad) and the few writes `getps
// simulate` makes.
//
//   Hdf5File     an open file, read-only; names objects by path ("/matrix/data").
//   Hdf5Dataset  one open dataset: its shape and type, slices read as double
//                or int64 (HDF5 converts from the stored type), strings.
//   Hdf5Writer   a new file: groups, 1-D integer and string datasets, string
//                attributes.
//
// Errors: every failure throws getps::Error naming the file and the object
// (kNotFound for a missing file or object, kInvalidArgument for a file that
// is not HDF5 or an object of another kind or type, kIOError for a refused
// read or write). HDF5's own error stack is not printed.
//
// Thread safety: the serial HDF5 library is not thread-safe; use these from
// one thread at a time. Ownership: each object owns its HDF5 handle and
// closes it on destruction; an Hdf5Dataset must not outlive its Hdf5File.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace getps {

class Hdf5File {
 public:
  explicit Hdf5File(const std::string& path);
  ~Hdf5File();
  Hdf5File(const Hdf5File&) = delete;
  Hdf5File& operator=(const Hdf5File&) = delete;

  const std::string& path() const { return path_; }
  // True when every link along `name` exists (a missing parent is false).
  bool Exists(const std::string& name) const;
  bool IsGroup(const std::string& name) const;  // false when absent
  // The string attribute `attribute` of object `name`; "" when either is
  // absent, the attribute is not one string, or HDF5 cannot read it (these
  // two attribute reads never throw).
  std::string StringAttribute(const std::string& name, const std::string& attribute) const;
  // The integer attribute (scalar or 1-D) of object `name`; empty when absent.
  std::vector<std::int64_t> IntAttribute(const std::string& name,
                                         const std::string& attribute) const;
  // The names of the links in group `name` ("/" for the top level).
  std::vector<std::string> Children(const std::string& name) const;
  std::int64_t id() const { return id_; }

 private:
  std::string path_;
  std::int64_t id_ = -1;  // hid_t
};

class Hdf5Dataset {
 public:
  // Throws kNotFound naming the file and dataset when absent, and
  // kInvalidArgument when `name` is a group.
  Hdf5Dataset(const Hdf5File& file, const std::string& name);
  ~Hdf5Dataset();
  Hdf5Dataset(const Hdf5Dataset&) = delete;
  Hdf5Dataset& operator=(const Hdf5Dataset&) = delete;

  // "FILE dataset NAME", for messages.
  std::string Where() const;
  const std::vector<std::uint64_t>& shape() const { return shape_; }
  std::uint64_t size() const;  // elements in all
  bool IsInteger() const;
  bool IsNumber() const;  // integer or floating point
  bool IsString() const;

  // Elements [first, first + count) of a 1-D dataset, or rows [first, first
  // + count) of a 2-D one (count x columns values, row-major). Throws
  // kOutOfRange past the end, kInvalidArgument for a non-numeric dataset.
  void Read(std::uint64_t first, std::uint64_t count, double* out) const;
  void Read(std::uint64_t first, std::uint64_t count, std::int64_t* out) const;
  // The whole 1-D dataset.
  std::vector<std::int64_t> ReadInts() const;
  // A 1-D string dataset, fixed or variable length, padding removed.
  std::vector<std::string> ReadStrings() const;

 private:
  void ReadAs(std::int64_t memory_type, std::uint64_t first, std::uint64_t count, void* out) const;

  std::string file_, name_;
  std::int64_t id_ = -1, type_ = -1;
  std::vector<std::uint64_t> shape_;
};

class Hdf5Writer {
 public:
  // Creates (or truncates) `path`; throws kIOError when it cannot.
  explicit Hdf5Writer(const std::string& path);
  ~Hdf5Writer();
  Hdf5Writer(const Hdf5Writer&) = delete;
  Hdf5Writer& operator=(const Hdf5Writer&) = delete;

  void CreateGroup(const std::string& name);
  void Write(const std::string& name, const std::vector<std::int32_t>& values);
  void Write(const std::string& name, const std::vector<std::int64_t>& values);
  void Write(const std::string& name, const std::vector<float>& values);
  // Fixed-length ASCII strings, as Cell Ranger writes them.
  void Write(const std::string& name, const std::vector<std::string>& values);
  void SetAttribute(const std::string& name, const std::string& attribute,
                    const std::string& value);
  void SetAttribute(const std::string& name, const std::string& attribute,
                    const std::vector<std::int64_t>& values);
  // Flushes and closes; throws kIOError when the data could not be written.
  void Close();

 private:
  void WriteNumbers(const std::string& name, std::int64_t type, std::size_t n, const void* data);

  std::string path_;
  std::int64_t id_ = -1;
};

}  // namespace getps
