#pragma once
// The paper's explainable regularisers (METHOD.md section 3) with hand-written gradients:
//   rowsum     k_l * sum_i |sum_j W_l[i,j]|      on receiving layers (against correlated noise)
//   saturation k * mean_batch sum_i |f'(z_i)|    on chosen hidden layers (against uncorrelated)
//   l2         k_l * ||W_l||_F^2                 on receiving layers (against uncorrelated)
// The total penalty is lambda * (sum of the weighted terms).
#include <vector>

#include "config/run_config.hpp"
#include "engine/parameters.hpp"

namespace ns {

// The per-layer weights of every term, indexed by layer (0 = first layer). A zero weight
// switches a term off for that layer.
struct RegTerms {
  double lambda = 1.0;
  std::vector<double> rowsum, l2, saturation;

  static RegTerms resolve(const RegConfig& cfg, const Architecture& arch);
  double saturation_coefficient(int l) const { return lambda * saturation[l]; }
};

// Value of the rowsum and l2 terms (lambda included); with `grad`, adds their gradient to it.
template <class S>
double add_weight_penalties(const RegTerms& terms, const Parameters<S>& p, Parameters<S>* grad);

// Value (lambda included) of the individual terms, for reporting.
struct PenaltyBreakdown {
  double rowsum = 0, l2 = 0;
};
template <class S>
PenaltyBreakdown weight_penalty_breakdown(const RegTerms& terms, const Parameters<S>& p);

}  // namespace ns
