// Training-step benchmark of worker/GetModel: forward + backward + AdamW on
// random [B, 200, F] batches (fine-tuning heads, Poisson NLL), reporting
// samples/s and model FLOPs utilisation against a given peak. The PyTorch
// reference (bench/train_bench.py) runs the same model and batch.
//
//   train_bench small|paper BATCH STEPS [PEAK_TFLOPS] [cpu|cuda]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "worker/get_model.h"
#include "worker/optimizer.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: train_bench small|paper BATCH STEPS [PEAK_TFLOPS] [cpu|cuda]\n");
    return 2;
  }
  const auto config = getps::GetModelConfig::Named(argv[1], 283);
  const std::int64_t batch = std::stoll(argv[2]), steps = std::stoll(argv[3]);
  const double peak = argc > 4 ? std::stod(argv[4]) : 0;
  const torch::Device device(argc > 5 ? argv[5] : "cpu");
  torch::manual_seed(0);
  getps::GetModel model(config);
  model->to(device);
  model->train();
  auto adamw = getps::MakeAdamW(*model, {});
  auto x = torch::rand({batch, 200, config.num_features}, device);
  auto y = torch::rand({batch, 200, 2}, device);
  auto step = [&] {
    adamw->zero_grad();
    auto out = model->forward(x, {}, true, false);
    auto loss = torch::nn::functional::poisson_nll_loss(
        out.expression, y, torch::nn::functional::PoissonNLLLossFuncOptions().log_input(false).eps(1e-8));
    loss.backward();
    adamw->step();
  };
  for (int i = 0; i < 2; ++i) step();  // warm-up
  if (device.is_cuda()) torch::cuda::synchronize();
  auto t0 = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < steps; ++i) step();
  if (device.is_cuda()) torch::cuda::synchronize();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // FLOPs per sample: 6 x parameters x tokens (dense) + attention 12 x L x T^2 x D.
  const double tokens = 201, params = static_cast<double>(model->NumParameters());
  const double flops = 6 * params * tokens + 12.0 * config.depth * tokens * tokens * config.dim;
  const double rate = static_cast<double>(batch * steps) / secs;
  std::printf("getps C++: %s model, batch %lld: %.2f samples/s, %.3g TFLOP/s%s\n", argv[1],
              static_cast<long long>(batch), rate, rate * flops / 1e12,
              peak > 0 ? (", MFU " + std::to_string(100 * rate * flops / 1e12 / peak) + "%").c_str() : "");
  return 0;
}
