#include "featurizer/hdf5_file.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/error.h"
#include "tests/test_store.h"

namespace getps {
namespace {

using testing_util::TempDir;

std::string Written(const TempDir& dir) {
  const std::string path = dir.Sub("f.h5");
  Hdf5Writer w(path);
  w.CreateGroup("/g");
  w.CreateGroup("/g/inner");
  w.Write("/g/ints", std::vector<std::int32_t>{3, -1, 7, 9});
  w.Write("/g/longs", std::vector<std::int64_t>{1LL << 40, 2});
  w.Write("/g/floats", std::vector<float>{0.5f, 2.0f});
  w.Write("/names", std::vector<std::string>{"AAAC-1", "", "a much longer name"});
  w.SetAttribute("/g", "kind", "csr_matrix");
  w.SetAttribute("/g", "shape", std::vector<std::int64_t>{4, 36601});
  w.Close();
  return path;
}

TEST(Hdf5File, WrittenObjectsReadBack) {
  TempDir dir("hdf5");
  const Hdf5File f(Written(dir));
  EXPECT_TRUE(f.Exists("/g/ints"));
  EXPECT_FALSE(f.Exists("/g/missing"));
  EXPECT_FALSE(f.Exists("/nope/deeper"));  // a missing parent is not an error
  EXPECT_TRUE(f.IsGroup("/g/inner"));
  EXPECT_FALSE(f.IsGroup("/g/ints"));
  EXPECT_EQ(f.Children("/"), (std::vector<std::string>{"g", "names"}));
  EXPECT_EQ(f.StringAttribute("/g", "kind"), "csr_matrix");
  EXPECT_EQ(f.StringAttribute("/g", "absent"), "");
  EXPECT_EQ(f.IntAttribute("/g", "shape"), (std::vector<std::int64_t>{4, 36601}));
  EXPECT_TRUE(f.IntAttribute("/g", "kind").empty());  // a string is not an integer

  const Hdf5Dataset ints(f, "/g/ints");
  EXPECT_TRUE(ints.IsInteger());
  EXPECT_EQ(ints.shape(), (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(ints.ReadInts(), (std::vector<std::int64_t>{3, -1, 7, 9}));
  double slice[2];
  ints.Read(1, 2, slice);  // converted to double
  EXPECT_EQ(slice[0], -1.0);
  EXPECT_EQ(slice[1], 7.0);
  EXPECT_EQ(Hdf5Dataset(f, "/g/longs").ReadInts()[0], 1LL << 40);
  double floats[2];
  Hdf5Dataset(f, "/g/floats").Read(0, 2, floats);
  EXPECT_EQ(floats[0], 0.5);
  EXPECT_EQ(Hdf5Dataset(f, "/names").ReadStrings(),
            (std::vector<std::string>{"AAAC-1", "", "a much longer name"}));
}

TEST(Hdf5File, ErrorsNameTheFileAndObject) {
  TempDir dir("hdf5");
  const std::string path = Written(dir);
  const Hdf5File f(path);
  try {
    Hdf5Dataset(f, "/g/missing");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_EQ(std::string(e.what()), path + " dataset /g/missing: no such dataset");
  }
  EXPECT_THROW(Hdf5Dataset(f, "/g/inner"), Error);              // a group
  EXPECT_THROW(Hdf5Dataset(f, "/names").ReadInts(), Error);     // strings
  EXPECT_THROW(Hdf5Dataset(f, "/g/floats").ReadInts(), Error);  // not integers
  EXPECT_THROW(Hdf5Dataset(f, "/g/ints").ReadStrings(), Error);
  double out[8];
  try {
    Hdf5Dataset(f, "/g/ints").Read(3, 2, out);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfRange);
  }
  const std::string text = dir.Sub("text.h5");
  std::ofstream(text) << "gene,TPM\n";
  try {
    Hdf5File bad(text);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              text + ": not an HDF5 file (expected a 10x .h5 or an AnnData .h5ad)");
  }
  EXPECT_THROW(Hdf5File(dir.Sub("absent.h5")), Error);
}

TEST(Hdf5File, TheSameDataWritesTheSameBytes) {
  TempDir a("hdf5"), b("hdf5");
  auto bytes = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string first = bytes(Written(a));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // HDF5 times have 1 s steps
  EXPECT_EQ(first, bytes(Written(b)));                           // no modification times inside
}

}  // namespace
}  // namespace getps
