#include "storage/npy_writer.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/error.h"
#include "tests/test_store.h"

namespace getps {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(NpyWriter, HeaderIsNumpyFormat10AlignedTo64) {
  testing_util::TempDir dir("npy");
  const std::string path = dir.Sub("a.npy");
  NpyWriter w(path, "<f4", {2, 3});
  const float data[6] = {0, 1, 2, 3, 4, 5};
  w.Write(data, sizeof data);
  w.Close();
  std::string bytes = Slurp(path);
  ASSERT_EQ(bytes.size(), 128u + 24u);  // the 59-character header pads to 128
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t header_len =
      static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ(10 + header_len, 128u);
  EXPECT_EQ(bytes.substr(10, 59), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
  EXPECT_EQ(bytes[127], '\n');
  float back[6];
  std::memcpy(back, bytes.data() + 128, sizeof back);
  EXPECT_EQ(back[5], 5.0f);
}

TEST(NpyWriter, OneDimensionalShapeHasTrailingComma) {
  testing_util::TempDir dir("npy1");
  NpyWriter w(dir.Sub("b.npy"), "<u4", {1});
  std::uint32_t v = 7;
  w.Write(&v, 4);
  w.Close();
  EXPECT_NE(Slurp(dir.Sub("b.npy")).find("'shape': (1,)"), std::string::npos);
}

TEST(NpyWriter, ShortWriteFailsAndLeavesNoFile) {
  testing_util::TempDir dir("npy2");
  const std::string path = dir.Sub("c.npy");
  {
    NpyWriter w(path, "<f4", {4});
    float one = 1;
    w.Write(&one, 4);
    EXPECT_THROW(w.Close(), Error);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
}

}  // namespace
}  // namespace getps
