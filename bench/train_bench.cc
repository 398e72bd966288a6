// Training-step benchmark of worker/GetModel: forward + backward + AdamW on
// random [B, 200, 283] batches (fine-tuning heads, Poisson NLL), reporting
// samples/s, model TFLOP/s and model FLOPs utilisation. The PyTorch
// reference (bench/train_bench.py) runs the same model and batch.
//
//   train_bench small|paper BATCH STEPS [cpu|cuda] [fp32|bf16] [PEAK_TFLOPS]
//
// On CUDA the step is the trainer's: bf16 autocast when asked and the fused
// AdamW. MFU is against PEAK_TFLOPS when given (a GPU's datasheet figure),
// else against this device's measured dense GEMM rate in the same precision
// (labelled as such: an attainable peak, not a datasheet one).
#include <torch/torch.h>
#include <cstdint>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "worker/model/autocast.h"
#include "worker/model/get_model.h"
#include "worker/model/optimizer.h"

namespace {

double SecondsFor(std::int64_t n, const std::function<void()>& f, bool cuda) {
  for (int i = 0; i < 2; ++i) f();  // warm-up
  if (cuda) torch::cuda::synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < n; ++i) f();
  if (cuda) torch::cuda::synchronize();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Dense GEMM TFLOP/s on this device and dtype: the attainable peak.
double MeasuredGemmTflops(torch::Device device, getps::Precision precision) {
  const auto dtype = precision == getps::Precision::kBf16 ? torch::kBFloat16 : torch::kFloat;
  const std::int64_t n = device.is_cuda() ? 8192 : 2048, reps = device.is_cuda() ? 50 : 10;
  auto a = torch::rand({n, n}, torch::TensorOptions(device).dtype(dtype));
  auto b = torch::rand({n, n}, torch::TensorOptions(device).dtype(dtype));
  const double secs = SecondsFor(
      reps, [&] { (void)torch::mm(a, b); }, device.is_cuda());
  return 2.0 * static_cast<double>(n * n * n * reps) / secs / 1e12;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: train_bench small|paper BATCH STEPS [cpu|cuda] [fp32|bf16] "
                 "[PEAK_TFLOPS]\n");
    return 2;
  }
  const auto config = getps::GetModelConfig::Named(argv[1], 283);
  const std::int64_t batch = std::stoll(argv[2]), steps = std::stoll(argv[3]);
  const torch::Device device(argc > 4 ? argv[4] : "cpu");
  const auto precision = getps::PrecisionNamed(argc > 5 ? argv[5] : "fp32", device.type());
  const double given_peak = argc > 6 ? std::stod(argv[6]) : 0;
  torch::manual_seed(0);
  getps::GetModel model(config);
  model->to(device);
  model->train();
  getps::OptimizerOptions opt;
  opt.fused = device.is_cuda();
  auto adamw = getps::MakeAdamW(*model, opt);
  auto x = torch::rand({batch, 200, config.num_features}, device);
  auto y = torch::rand({batch, 200, 2}, device);
  auto step = [&] {
    adamw->zero_grad();
    torch::Tensor expression;
    {
      getps::AutocastScope autocast(device.type(), precision);
      expression = model->forward(x).expression;
    }
    auto loss = torch::nn::functional::poisson_nll_loss(
        expression.to(torch::kFloat), y,
        torch::nn::functional::PoissonNLLLossFuncOptions().log_input(false).eps(1e-8));
    loss.backward();
    adamw->step();
  };
  const double secs = SecondsFor(steps, step, device.is_cuda());
  // FLOPs per sample: 6 x parameters x tokens (dense) + attention 12 x L x T^2 x D.
  const double tokens = 201, params = static_cast<double>(model->NumParameters());
  const double flops = 6 * params * tokens + 12.0 * config.depth * tokens * tokens * config.dim;
  const double rate = static_cast<double>(batch * steps) / secs;
  const double tflops = rate * flops / 1e12;
  const double peak = given_peak > 0 ? given_peak : MeasuredGemmTflops(device, precision);
  std::printf(
      "getps C++ %s: %s model, batch %lld, %s: %.2f samples/s, %.3g model TFLOP/s, MFU %.1f%% "
      "of %.3g TFLOP/s (%s)\n",
      precision == getps::Precision::kBf16 ? "bf16" : "fp32", argv[1],
      static_cast<long long>(batch), device.str().c_str(), rate, tflops, 100 * tflops / peak, peak,
      given_peak > 0 ? "given peak" : "measured GEMM peak");
  return 0;
}
