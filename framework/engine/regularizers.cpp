#include "engine/regularizers.hpp"

#include <cmath>

#include "core/error.hpp"

namespace ns {

RegTerms RegTerms::resolve(const RegConfig& cfg, const Architecture& arch) {
  const int layers = arch.layers();
  RegTerms t;
  t.lambda = cfg.lambda;
  t.rowsum.assign(layers, 0.0);
  t.l2.assign(layers, 0.0);
  t.saturation.assign(layers, 0.0);
  const std::vector<double> rowsum = cfg.rowsum.resolve(layers - 1, "reg.rowsum");
  for (int r = 0; r < int(rowsum.size()); ++r) t.rowsum[r + 1] = rowsum[r];
  const std::vector<double> l2_hidden = cfg.l2_hidden.resolve(layers - 2, "reg.l2_hidden");
  for (int r = 0; r < int(l2_hidden.size()); ++r) t.l2[r + 1] = l2_hidden[r];
  t.l2[layers - 1] = cfg.l2_output;
  if (cfg.saturation != 0) {
    if (cfg.saturation_layers.empty()) {
      for (int l = 1; l < layers - 1; ++l) t.saturation[l] = cfg.saturation;
    } else {
      for (int h : cfg.saturation_layers) {
        if (h < 1 || h > layers - 1) throw Error("reg.saturation_layers: no such hidden layer");
        t.saturation[h - 1] = cfg.saturation;
      }
    }
  }
  return t;
}

template <class S>
PenaltyBreakdown weight_penalty_breakdown(const RegTerms& terms, const Parameters<S>& p) {
  PenaltyBreakdown out;
  for (int l = 0; l < p.arch().layers(); ++l) {
    if (terms.rowsum[l] != 0)
      out.rowsum += terms.lambda * terms.rowsum[l] *
                    p.w(l).template cast<double>().rowwise().sum().cwiseAbs().sum();
    if (terms.l2[l] != 0)
      out.l2 += terms.lambda * terms.l2[l] * p.w(l).template cast<double>().squaredNorm();
  }
  return out;
}

template <class S>
double add_weight_penalties(const RegTerms& terms, const Parameters<S>& p, Parameters<S>* grad) {
  const PenaltyBreakdown value = weight_penalty_breakdown(terms, p);
  if (grad) {
    for (int l = 0; l < p.arch().layers(); ++l) {
      auto gw = grad->w(l);
      if (terms.rowsum[l] != 0) {
        // d|r_i|/dW_ij = sign(r_i): the same for every weight of row i (0 at r_i = 0).
        const Vec<S> sign = p.w(l).rowwise().sum().array().sign().matrix();
        gw.colwise() += S(terms.lambda * terms.rowsum[l]) * sign;
      }
      if (terms.l2[l] != 0) gw += S(2 * terms.lambda * terms.l2[l]) * p.w(l);
    }
  }
  return value.rowsum + value.l2;
}

template double add_weight_penalties<float>(const RegTerms&, const Parameters<float>&,
                                            Parameters<float>*);
template double add_weight_penalties<double>(const RegTerms&, const Parameters<double>&,
                                             Parameters<double>*);
template PenaltyBreakdown weight_penalty_breakdown<float>(const RegTerms&,
                                                          const Parameters<float>&);
template PenaltyBreakdown weight_penalty_breakdown<double>(const RegTerms&,
                                                           const Parameters<double>&);

}  // namespace ns
