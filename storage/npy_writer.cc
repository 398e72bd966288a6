#include "storage/npy_writer.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "common/error.h"

namespace getps {

NpyWriter::NpyWriter(std::string path, std::string descr, std::vector<std::uint64_t> shape)
    : path_(std::move(path)), tmp_path_(path_ + ".partial") {
  std::uint64_t item = 0;
  if (descr.size() >= 3) item = std::stoull(descr.substr(2));
  if (item == 0) throw Error(ErrorCode::kInvalidArgument, "npy dtype '" + descr + "'");
  expected_bytes_ = item;
  std::string dims;  // Python tuple syntax: "(3, 4)", "(3,)", "()"
  for (std::size_t i = 0; i < shape.size(); ++i) {
    expected_bytes_ *= shape[i];
    dims += (i ? ", " : "") + std::to_string(shape[i]);
  }
  if (shape.size() == 1) dims += ",";
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic (6) + version (2) + header length (2) + header, padded with spaces
  // and a newline to a multiple of 64 bytes.
  std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (!file_)
    throw Error(ErrorCode::kIOError, "cannot write " + tmp_path_ + ": " + std::strerror(errno));
  const unsigned char magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  const std::uint16_t len = static_cast<std::uint16_t>(header.size());
  const unsigned char len_le[2] = {static_cast<unsigned char>(len & 0xff),
                                   static_cast<unsigned char>(len >> 8)};
  if (std::fwrite(magic, 1, 8, file_) != 8 || std::fwrite(len_le, 1, 2, file_) != 2 ||
      std::fwrite(header.data(), 1, header.size(), file_) != header.size()) {
    throw Error(ErrorCode::kIOError, "cannot write " + tmp_path_ + ": " + std::strerror(errno));
  }
}

NpyWriter::~NpyWriter() {
  if (file_) {
    std::fclose(file_);
    std::remove(tmp_path_.c_str());
  }
}

void NpyWriter::Write(const void* data, std::size_t bytes) {
  if (!file_) throw Error(ErrorCode::kInternal, "NpyWriter::Write after Close");
  if (written_bytes_ + bytes > expected_bytes_) {
    throw Error(ErrorCode::kInternal, path_ + ": more data than the declared shape holds");
  }
  if (bytes && std::fwrite(data, 1, bytes, file_) != bytes) {
    throw Error(ErrorCode::kIOError, "cannot write " + tmp_path_ + ": " + std::strerror(errno));
  }
  written_bytes_ += bytes;
}

void NpyWriter::Close() {
  if (written_bytes_ != expected_bytes_) {
    throw Error(ErrorCode::kInternal, path_ + ": wrote " + std::to_string(written_bytes_) +
                                          " bytes, the shape needs " +
                                          std::to_string(expected_bytes_));
  }
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0)
    throw Error(ErrorCode::kIOError, "cannot write " + tmp_path_ + ": " + std::strerror(errno));
  std::error_code ec;
  std::filesystem::rename(tmp_path_, path_, ec);
  if (ec)
    throw Error(ErrorCode::kIOError,
                "cannot rename " + tmp_path_ + " to " + path_ + ": " + ec.message());
}

}  // namespace getps
