#include "optim/optimizer.hpp"

#include <cmath>

#include "core/error.hpp"

namespace ns {

namespace {

// torch.optim.SGD: buf = momentum * buf + g (buf = g on the first step); p -= lr * buf.
class Sgd final : public Optimizer {
 public:
  Sgd(double lr, double momentum, Index n) : lr_(float(lr)), momentum_(float(momentum)) {
    if (momentum_ != 0) velocity_ = Vec<float>::Zero(n);
  }
  void step(Vec<float>& p, const Vec<float>& g) override {
    if (momentum_ == 0) {
      p -= lr_ * g;
      return;
    }
    if (first_)
      velocity_ = g;
    else
      velocity_ = momentum_ * velocity_ + g;
    first_ = false;
    p -= lr_ * velocity_;
  }

 private:
  float lr_, momentum_;
  Vec<float> velocity_;
  bool first_ = true;
};

// torch.optim.Adam with bias correction; eps is added after the square root.
class Adam final : public Optimizer {
 public:
  Adam(const OptimizerConfig& c, Index n)
      : lr_(c.lr),
        beta1_(c.beta1),
        beta2_(c.beta2),
        eps_(float(c.eps_adam)),
        m_(Vec<float>::Zero(n)),
        v_(Vec<float>::Zero(n)) {}
  void step(Vec<float>& p, const Vec<float>& g) override {
    ++t_;
    m_ = float(beta1_) * m_ + float(1 - beta1_) * g;
    v_ = float(beta2_) * v_ + float(1 - beta2_) * g.cwiseAbs2();
    const float step = float(lr_ / (1 - std::pow(beta1_, t_)));
    const float v_scale = float(1 / std::sqrt(1 - std::pow(beta2_, t_)));
    p.array() -= step * m_.array() / ((v_.array().sqrt() * v_scale) + eps_);
  }

 private:
  double lr_, beta1_, beta2_;
  float eps_;
  Vec<float> m_, v_;
  long t_ = 0;
};

// torch.optim.Adagrad (no lr decay, zero initial accumulator): s += g^2; p -= lr g/(sqrt(s)+eps).
class Adagrad final : public Optimizer {
 public:
  Adagrad(double lr, double eps, Index n)
      : lr_(float(lr)), eps_(float(eps)), sum_(Vec<float>::Zero(n)) {}
  void step(Vec<float>& p, const Vec<float>& g) override {
    sum_ += g.cwiseAbs2();
    p.array() -= lr_ * g.array() / (sum_.array().sqrt() + eps_);
  }

 private:
  float lr_, eps_;
  Vec<float> sum_;
};

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& cfg, Index n) {
  switch (cfg.kind) {
    case OptimizerKind::Sgd:
      return std::make_unique<Sgd>(cfg.lr, cfg.momentum, n);
    case OptimizerKind::Adam:
      return std::make_unique<Adam>(cfg, n);
    case OptimizerKind::Adagrad:
      return std::make_unique<Adagrad>(cfg.lr, cfg.eps_adagrad, n);
  }
  throw Error("unknown optimizer");
}

}  // namespace ns
