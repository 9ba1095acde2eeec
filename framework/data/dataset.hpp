#pragma once
// In-memory datasets. Features are stored one sample per column (features x samples), float32,
// so a mini-batch is a contiguous block of columns and feeds a GEMM directly.
#include <Eigen/Core>
#include <string>

#include "core/rng.hpp"

namespace ns::data {

struct Dataset {
  Eigen::MatrixXf x;  // features x samples
  Eigen::VectorXi y;  // labels, each in [0, classes)
  int classes = 0;

  int size() const { return static_cast<int>(x.cols()); }
  int features() const { return static_cast<int>(x.rows()); }
  // The samples with the given indices, in that order.
  Dataset select(const Eigen::VectorXi& indices) const;
};

struct TrainValidation {
  Dataset train, validation;
};

// Seeded split: a random permutation of the samples; the first (1 - fraction) go to train.
TrainValidation split_train_validation(const Dataset& all, double validation_fraction,
                                       const rng::Stream& stream);

// x <- (x - mean) / std, in place.
void standardize(Dataset& d, float mean, float std);

}  // namespace ns::data
