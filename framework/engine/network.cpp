#include "engine/network.hpp"

#include <algorithm>

#include "engine/activation.hpp"
#include "engine/gemm.hpp"
#include "engine/loss.hpp"

namespace ns {

namespace {

template <class S>
using LayerHooks = std::vector<std::shared_ptr<const Perturbation<S>>>;

template <class S>
const LayerHooks<S>* hooks_of(const NetworkNoise<S>* noise, int l) {
  if (!noise || l >= int(noise->layers.size()) || noise->layers[l].empty()) return nullptr;
  return &noise->layers[l];
}

// Every scale before every shift: y (1 + m) (1 + c) + a + b for the paper's four kinds.
template <class S>
void scale_and_shift(const LayerHooks<S>* hooks, Mat<S>& y) {
  if (!hooks) return;
  for (const auto& h : *hooks) h->scale(y);
  for (const auto& h : *hooks) h->shift(y);
}

template <class S>
void scale_gradient(const LayerHooks<S>* hooks, Mat<S>& g) {
  if (hooks)
    for (const auto& h : *hooks) h->scale(g);
}

// The weights the pass uses: p itself, or W~ in ws.chip when a nonideality changes them.
template <class S>
const Parameters<S>& chip_weights(const Parameters<S>& p, const NetworkNoise<S>* noise,
                                  Workspace<S>& ws) {
  if (!noise || !noise->changes_weights()) return p;
  ws.chip = p;
  for (int l = 0; l < int(noise->layers.size()); ++l) {
    if (noise->layers[l].empty()) continue;
    Mat<S> w = ws.chip.w(l);
    for (const auto& h : noise->layers[l]) h->weights(w);
    ws.chip.w(l) = w;
  }
  return ws.chip;
}

// Saturation term of one hidden layer: coeff * mean over the batch of sum_i |f'(z_i)|, from the
// block's sum of |f'|.
double saturation_value(double coeff, double abs_f_prime, Index batch) {
  return coeff * abs_f_prime / double(batch);
}

// The forward pass proper, on the weights `w` (p, or W~); returns them for the backward pass.
template <class S>
const Mat<S>& forward_on(const Parameters<S>& w, const Mat<S>& x, const NetworkNoise<S>* noise,
                         Workspace<S>& ws) {
  const Architecture& arch = w.arch();
  const int layers = arch.layers();
  ws.act_in.resize(layers - 1);
  ws.out.resize(layers);
  for (int l = 0; l < layers; ++l) {
    const LayerHooks<S>* hooks = hooks_of(noise, l);
    const Mat<S>* input = l == 0 ? &x : &ws.out[l - 1];
    if (hooks) {  // the input hooks act on a copy of the data, or in place on y_{l-1}
      Mat<S>& editable = l == 0 ? (ws.input = x) : ws.out[l - 1];
      for (const auto& h : *hooks) h->input(editable);
      input = &editable;
    }
    Mat<S>& z = l < layers - 1 ? ws.act_in[l] : ws.out[l];
    gemm::multiply<S>(w.w(l), gemm::Op::Plain, *input, gemm::Op::Plain, z);
    if (hooks)
      for (const auto& h : *hooks) h->product(z, w.w(l), *input);
    z.colwise() += w.b(l);
    if (l == layers - 1) {
      scale_and_shift(hooks, z);
      break;
    }
    if (arch.noise_placement == NoisePlacement::Before) scale_and_shift(hooks, z);
    activate(arch.activation, z, ws.out[l]);
    if (arch.noise_placement == NoisePlacement::After) scale_and_shift(hooks, ws.out[l]);
  }
  return ws.out.back();
}

}  // namespace

template <class S>
const Mat<S>& forward(const Parameters<S>& p, const Mat<S>& x, const NetworkNoise<S>* noise,
                      Workspace<S>& ws) {
  return forward_on(chip_weights(p, noise, ws), x, noise, ws);
}

template <class S>
LossParts loss_only(const Parameters<S>& p, const RegTerms& reg, const Mat<S>& x,
                    const Eigen::Ref<const Eigen::VectorXi>& labels, const NetworkNoise<S>* noise,
                    Workspace<S>& ws) {
  LossParts parts;
  const Mat<S>& logits = forward(p, x, noise, ws);
  parts.cross_entropy = softmax_cross_entropy<S>(logits, labels, nullptr);
  parts.correct = count_correct<S>(logits, labels);
  for (int l = 0; l < p.arch().layers() - 1; ++l) {
    if (reg.saturation[l] == 0) continue;
    activation_derivative(p.arch().activation, ws.act_in[l], ws.f_prime);
    parts.saturation +=
        saturation_value(reg.saturation_coefficient(l),
                         ws.f_prime.template cast<double>().cwiseAbs().sum(), ws.f_prime.cols());
  }
  parts.weight_penalties = add_weight_penalties<S>(reg, p, nullptr);
  parts.total = parts.cross_entropy + parts.saturation + parts.weight_penalties;
  return parts;
}

template <class S>
LossParts loss_and_gradient(const Parameters<S>& p, const RegTerms& reg, const Mat<S>& x,
                            const Eigen::Ref<const Eigen::VectorXi>& labels,
                            const NetworkNoise<S>* noise, Parameters<S>& grad, Workspace<S>& ws) {
  const Architecture& arch = p.arch();
  const int layers = arch.layers();
  LossParts parts;
  const Parameters<S>& w = chip_weights(p, noise, ws);
  const Mat<S>& logits = forward_on(w, x, noise, ws);
  parts.cross_entropy = softmax_cross_entropy<S>(logits, labels, &ws.d_z);
  parts.correct = count_correct<S>(logits, labels);
  const S inv_batch = S(1) / S(x.cols());
  scale_gradient(hooks_of(noise, layers - 1), ws.d_z);  // back through the logits' hooks

  for (int l = layers - 1; l >= 0; --l) {
    // Here ws.d_z = dLoss/dz_l for z_l = product hooks(W~_l x^_l) + b_l.
    const LayerHooks<S>* hooks = hooks_of(noise, l);
    const Mat<S>& input = l == 0 ? (hooks ? ws.input : x) : ws.out[l - 1];
    grad.b(l).noalias() = ws.d_z.rowwise().sum();
    // Then the product hooks: they turn dLoss/dz into dLoss/d(W~ x^) and add their own terms.
    Mat<S> d_w_extra, d_input_extra;
    if (hooks && std::any_of(hooks->begin(), hooks->end(),
                             [](const auto& h) { return h->changes_product(); })) {
      d_w_extra.setZero(grad.w(l).rows(), grad.w(l).cols());
      if (l > 0) d_input_extra.setZero(input.rows(), input.cols());
      for (auto h = hooks->rbegin(); h != hooks->rend(); ++h)
        (*h)->product_gradient(ws.d_z, w.w(l), input, d_w_extra, l > 0 ? &d_input_extra : nullptr);
    }
    gemm::multiply<S>(ws.d_z, gemm::Op::Plain, input, gemm::Op::Transposed, grad.w(l));
    if (d_w_extra.size()) grad.w(l) += d_w_extra;
    if (hooks && noise->changes_weights()) {  // dLoss/dW~ -> dLoss/dW
      Mat<S> g = grad.w(l);
      for (auto h = hooks->rbegin(); h != hooks->rend(); ++h) (*h)->weights_gradient(g);
      grad.w(l) = g;
    }
    if (l == 0) break;
    // dLoss/dx^_l; the input hooks pass it
    gemm::multiply<S>(w.w(l), gemm::Op::Transposed, ws.d_z, gemm::Op::Plain, ws.d_out);
    if (d_input_extra.size()) ws.d_out += d_input_extra;

    // Back through hidden layer h = l - 1: y = hooks(f(z)) or y = f(hooks(z)).
    const int h = l - 1;
    const LayerHooks<S>* hidden = hooks_of(noise, h);
    if (arch.noise_placement == NoisePlacement::After) scale_gradient(hidden, ws.d_out);
    // d|f'(z)|/dz = sign(f'(z)) f''(z), averaged over the batch. y = f(z) still holds unless a
    // nonideality acted after f on layer h or on the input of layer l (in place on y).
    const double coeff = reg.saturation[h] != 0 ? reg.saturation_coefficient(h) : 0.0;
    const bool y_is_f_of_z = !hidden && !hooks;
    const double abs_f_prime =
        activation_backward<S>(arch.activation, ws.act_in[h], y_is_f_of_z ? &ws.out[h] : nullptr,
                               ws.d_out, S(coeff) * inv_batch, ws.f_prime, ws.f_second, ws.d_z);
    if (coeff != 0) parts.saturation += saturation_value(coeff, abs_f_prime, x.cols());
    if (arch.noise_placement == NoisePlacement::Before) scale_gradient(hidden, ws.d_z);
  }
  parts.weight_penalties = add_weight_penalties<S>(reg, p, &grad);
  parts.total = parts.cross_entropy + parts.saturation + parts.weight_penalties;
  return parts;
}

#define NS_INSTANTIATE(S)                                                                        \
  template const Mat<S>& forward<S>(const Parameters<S>&, const Mat<S>&, const NetworkNoise<S>*, \
                                    Workspace<S>&);                                              \
  template LossParts loss_only<S>(const Parameters<S>&, const RegTerms&, const Mat<S>&,          \
                                  const Eigen::Ref<const Eigen::VectorXi>&,                      \
                                  const NetworkNoise<S>*, Workspace<S>&);                        \
  template LossParts loss_and_gradient<S>(const Parameters<S>&, const RegTerms&, const Mat<S>&,  \
                                          const Eigen::Ref<const Eigen::VectorXi>&,              \
                                          const NetworkNoise<S>*, Parameters<S>&, Workspace<S>&);
NS_INSTANTIATE(float)
NS_INSTANTIATE(double)
#undef NS_INSTANTIATE

}  // namespace ns
