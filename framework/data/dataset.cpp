#include "data/dataset.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace ns::data {

Dataset Dataset::select(const Eigen::VectorXi& indices) const {
  // Checked always: a bad index here would silently read foreign memory in a Release build.
  for (Eigen::Index i = 0; i < indices.size(); ++i)
    if (indices[i] < 0 || indices[i] >= size())
      throw Error(fmt::format("Dataset::select: index {} at position {} is outside [0, {})",
                              indices[i], i, size()));
  Dataset out;
  out.x = x(Eigen::all, indices);
  out.y = y(indices);
  out.classes = classes;
  return out;
}

TrainValidation split_train_validation(const Dataset& all, double validation_fraction,
                                       const rng::Stream& stream) {
  if (!(validation_fraction >= 0.0 && validation_fraction < 1.0))
    throw Error(fmt::format("validation fraction must be in [0, 1), got {}", validation_fraction));
  const int n = all.size();
  const int n_train = static_cast<int>(std::lround(n * (1.0 - validation_fraction)));
  if (n > 0 && n_train == 0)
    throw Error(fmt::format("validation fraction {} leaves no training samples out of {}",
                            validation_fraction, n));
  const Eigen::VectorXi order = rng::permutation(stream, n);
  TrainValidation split;
  split.train = all.select(order.head(n_train));
  split.validation = all.select(order.tail(n - n_train));
  return split;
}

void standardize(Dataset& d, float mean, float std) {
  if (!std::isfinite(mean) || !std::isfinite(std) || !(std > 0.0f))
    throw Error(fmt::format(
        "standardize: need a finite mean and a positive std, got mean {} std {}", mean, std));
  d.x = (d.x.array() - mean) / std;
}

}  // namespace ns::data
