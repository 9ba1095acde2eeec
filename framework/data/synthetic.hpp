#pragma once
// Gaussian class clusters: a small, learnable stand-in for MNIST in fast tests.
#include "data/dataset.hpp"

namespace ns::data {

struct SyntheticSpec {
  int samples = 2000;
  int features = 20;
  int classes = 4;
  double separation = 3.0;  // distance scale between class centres, in units of the noise std
};

Dataset make_gaussian_clusters(const SyntheticSpec& spec, const rng::Stream& stream);

}  // namespace ns::data
