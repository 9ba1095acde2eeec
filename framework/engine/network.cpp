#include "engine/network.hpp"

#include "engine/activation.hpp"
#include "engine/loss.hpp"

namespace ns {

namespace {

template <class S>
const LayerNoise<S>* layer_noise(const NetworkNoise<S>* noise, int l) {
  return (noise && (*noise)[l].any()) ? &(*noise)[l] : nullptr;
}

// Saturation term of one hidden layer: coeff * mean over the batch of sum_i |f'(z_i)|.
template <class S>
double saturation_value(double coeff, const Mat<S>& f_prime) {
  return coeff * f_prime.template cast<double>().cwiseAbs().sum() / double(f_prime.cols());
}

}  // namespace

template <class S>
const Mat<S>& forward(const Parameters<S>& p, const Mat<S>& x, const NetworkNoise<S>* noise,
                      Workspace<S>& ws) {
  const Architecture& arch = p.arch();
  const int layers = arch.layers();
  ws.act_in.resize(layers - 1);
  ws.out.resize(layers);
  for (int l = 0; l < layers; ++l) {
    const Mat<S>& input = l == 0 ? x : ws.out[l - 1];
    Mat<S>& z = l < layers - 1 ? ws.act_in[l] : ws.out[l];
    z.noalias() = p.w(l) * input;
    z.colwise() += p.b(l);
    if (l == layers - 1) break;
    const LayerNoise<S>* n = layer_noise(noise, l);
    if (n && arch.noise_placement == NoisePlacement::Before) n->apply(z);
    activate(arch.activation, z, ws.out[l]);
    if (n && arch.noise_placement == NoisePlacement::After) n->apply(ws.out[l]);
  }
  return ws.out.back();
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
    parts.saturation += saturation_value(reg.saturation_coefficient(l), ws.f_prime);
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
  const Mat<S>& logits = forward(p, x, noise, ws);
  parts.cross_entropy = softmax_cross_entropy<S>(logits, labels, &ws.d_z);
  parts.correct = count_correct<S>(logits, labels);
  const S inv_batch = S(1) / S(x.cols());

  for (int l = layers - 1; l >= 0; --l) {
    // Here ws.d_z = dLoss/dz_l for z_l = W_l * input_l + b_l.
    const Mat<S>& input = l == 0 ? x : ws.out[l - 1];
    grad.w(l).noalias() = ws.d_z * input.transpose();
    grad.b(l).noalias() = ws.d_z.rowwise().sum();
    if (l == 0) break;
    ws.d_out.noalias() = p.w(l).transpose() * ws.d_z;  // dLoss/dy_{l-1}

    // Back through hidden layer h = l - 1: y = noise(f(z)) or y = f(noise(z)).
    const int h = l - 1;
    const LayerNoise<S>* n = layer_noise(noise, h);
    if (n && arch.noise_placement == NoisePlacement::After) n->scale_gradient(ws.d_out);
    activation_derivative(arch.activation, ws.act_in[h], ws.f_prime);
    ws.d_z.noalias() = (ws.d_out.array() * ws.f_prime.array()).matrix();
    if (reg.saturation[h] != 0) {
      // d|f'(z)|/dz = sign(f'(z)) f''(z), averaged over the batch.
      const double coeff = reg.saturation_coefficient(h);
      parts.saturation += saturation_value(coeff, ws.f_prime);
      activation_second_derivative(arch.activation, ws.act_in[h], ws.f_second);
      ws.d_z.array() += S(coeff) * inv_batch * ws.f_prime.array().sign() * ws.f_second.array();
    }
    if (n && arch.noise_placement == NoisePlacement::Before) n->scale_gradient(ws.d_z);
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
