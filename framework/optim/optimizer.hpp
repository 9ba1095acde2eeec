#pragma once
// Optimisers are small update rules that own their state and see only the flat parameter and
// gradient vectors. Each follows PyTorch's definition, so the reference's runs are reproduced.
#include <memory>

#include "config/run_config.hpp"
#include "engine/types.hpp"

namespace ns {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // params <- params - update(grad); called once per mini-batch.
  virtual void step(Vec<float>& params, const Vec<float>& grad) = 0;
};

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& cfg, Index parameter_count);

}  // namespace ns
