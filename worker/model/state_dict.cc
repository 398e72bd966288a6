#include "worker/model/state_dict.h"

#include <fcntl.h>
#include <unistd.h>

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>
#include <torch/serialize.h>
#include <torch/torch.h>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/error.h"

namespace getps {

namespace {

bool IsAdapter(const std::string& name) { return name.find(".lora_") != std::string::npos; }

std::map<std::string, torch::Tensor> Named(const torch::nn::Module& module, bool adapters) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) {
    if (IsAdapter(p.key()) == adapters) out[p.key()] = p.value();
  }
  if (!adapters) {
    for (const auto& b : module.named_buffers(/*recurse=*/true)) out[b.key()] = b.value();
  }
  return out;
}

}  // namespace

std::map<std::string, torch::Tensor> StateDict(const torch::nn::Module& module) {
  return Named(module, false);
}
std::map<std::string, torch::Tensor> AdapterDict(const torch::nn::Module& module) {
  return Named(module, true);
}

void SaveTensorDict(const std::map<std::string, torch::Tensor>& tensors, const std::string& path) {
  // torch::pickle_save would tag the dict's type with a global that
  // torch.load's default (weights_only) unpickler refuses; an untagged
  // pickle of a plain dict is exactly what torch.save writes for a state dict.
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, t] : tensors) dict.insert(name, t.detach().to(torch::kCPU).clone());
  std::vector<char> pickled;
  torch::jit::Pickler pickler(
      [&](const char* buf, std::size_t n) { pickled.insert(pickled.end(), buf, buf + n); }, nullptr,
      nullptr, nullptr, nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(dict);
  pickler.stop();
  std::vector<char> bytes;
  caffe2::serialize::PyTorchStreamWriter zip([&](const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    bytes.insert(bytes.end(), p, p + n);
    return n;
  });
  torch::jit::writeArchiveAndTensors("data", pickled.data(), pickled.size(), pickler.tensorData(),
                                     zip);
  zip.writeEndOfFile();
  const std::string tmp = path + ".partial";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw Error(ErrorCode::kIOError, "cannot write " + tmp);
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      std::remove(tmp.c_str());
      throw Error(ErrorCode::kIOError, "cannot write " + tmp + " (disk full?)");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(ErrorCode::kIOError, "cannot finish writing " + path);
  }
}

void SaveStateDict(const torch::nn::Module& module, const std::string& path) {
  SaveTensorDict(StateDict(module), path);
}

namespace {

// torch.save(model.state_dict()) pickles a collections.OrderedDict (plus a
// `_metadata` OrderedDict applied with BUILD), and LibTorch's unpickler
// turns every OrderedDict into None. Its data.pkl is
//   PROTO 2, GLOBAL 'collections OrderedDict', BINPUT 0, EMPTY_TUPLE, REDUCE,
//   ...items (further OrderedDicts: BINGET 0, EMPTY_TUPLE, REDUCE)...,
//   [..., BUILD], STOP
// and is rewritten as
//   PROTO 2, MARK, EMPTY_DICT, ...items (OrderedDicts: EMPTY_DICT)...,
//   TUPLE, STOP
// whose first element is the state dict as a plain dict (memo 0 only ever
// held the OrderedDict class). Returns the archive and whether it changed.
std::pair<std::vector<char>, bool> PlainDictArchive(const std::vector<char>& bytes) {
  std::istringstream stream(std::string(bytes.begin(), bytes.end()));
  caffe2::serialize::PyTorchStreamReader reader(&stream);
  // Literals with embedded NUL bytes: lengths from sizeof, not strlen.
  static constexpr char kHeadBytes[] =
      "\x80\x02"
      "ccollections\nOrderedDict\nq\x00)R";
  static constexpr char kNewOrderedDictBytes[] = "h\x00)R";
  static const std::string kHead(kHeadBytes, sizeof kHeadBytes - 1);
  static const std::string kNewOrderedDict(kNewOrderedDictBytes, sizeof kNewOrderedDictBytes - 1);
  bool rewritten = false;
  std::vector<char> out;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    out.insert(out.end(), p, p + n);
    return n;
  });
  for (const auto& name : reader.getAllRecords()) {
    auto [data, size] = reader.getRecord(name);
    std::string record(static_cast<const char*>(data.get()), size);
    if (name == "data.pkl" && record.size() > kHead.size() + 1 &&
        record.compare(0, kHead.size(), kHead) == 0 && record.back() == '.') {
      std::size_t end = record.size() - 1;
      if (record[end - 1] == 'b') --end;  // drop the BUILD of _metadata
      std::string body = record.substr(kHead.size(), end - kHead.size());
      for (std::size_t at = 0; (at = body.find(kNewOrderedDict, at)) != std::string::npos;) {
        body.replace(at, kNewOrderedDict.size(), "}");
      }
      record = std::string("\x80\x02(}", 4) + body + "t.";
      rewritten = true;
    }
    writer.writeRecord(name, record.data(), record.size());
  }
  writer.writeEndOfFile();
  return {out, rewritten};
}

// Checks `loaded` against the module's own tensors (all present, same
// shapes, nothing else) and copies them in.
void Assign(torch::nn::Module& module, std::map<std::string, torch::Tensor> loaded,
            const std::string& path, bool adapters) {
  auto own = Named(module, adapters);
  for (const auto& [name, t] : own) {
    auto it = loaded.find(name);
    if (it == loaded.end())
      throw Error(ErrorCode::kInvalidArgument, path + ": missing parameter " + name);
    if (it->second.sizes() != t.sizes()) {
      throw Error(ErrorCode::kInvalidArgument, path + ": " + name + " has shape " +
                                                   c10::str(it->second.sizes()) +
                                                   ", the model expects " + c10::str(t.sizes()));
    }
  }
  for (const auto& [name, t] : loaded) {
    if (!own.count(name))
      throw Error(ErrorCode::kInvalidArgument, path + ": unexpected parameter " + name);
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : own) t.copy_(loaded[name]);
}

}  // namespace

std::map<std::string, torch::Tensor> ReadTensorDict(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "cannot read state dict " + path);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  c10::IValue value;
  try {
    auto [archive, rewritten] = PlainDictArchive(bytes);
    value = torch::pickle_load(archive);
    if (rewritten) value = value.toTupleRef().elements().at(0);
  } catch (const c10::Error& e) {  // what() would carry a C++ backtrace
    throw Error(ErrorCode::kCorruption,
                path + " is not a readable PyTorch state dict: " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kCorruption,
                path + " is not a readable PyTorch state dict: " + e.what());
  }
  if (!value.isGenericDict())
    throw Error(ErrorCode::kInvalidArgument, path + ": expected a {name: tensor} dict");
  std::map<std::string, torch::Tensor> loaded;
  for (const auto& entry : value.toGenericDict()) {
    if (!entry.key().isString() || !entry.value().isTensor()) {
      throw Error(ErrorCode::kInvalidArgument, path + ": expected a {name: tensor} dict");
    }
    loaded[entry.key().toStringRef()] = entry.value().toTensor();
  }
  return loaded;
}

void LoadStateDict(torch::nn::Module& module, const std::string& path) {
  Assign(module, ReadTensorDict(path), path, false);
}
void LoadAdapters(torch::nn::Module& module, const std::string& path) {
  Assign(module, ReadTensorDict(path), path, true);
}

}  // namespace getps
