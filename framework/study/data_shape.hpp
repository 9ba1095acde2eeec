#pragma once
// The shape of a run's data (inputs, classes, samples per split) without loading it: for cost
// estimates and for checking that a fine-tuned task sees data of its parent's shape.
#include <string>

#include "config/run_config.hpp"

namespace ns {

struct DataShape {
  int inputs = 784, classes = 10;
  long train = 0, validation = 0, test = 0;  // after limits and the validation split
  long loaded = 0;    // samples held while loading: both pools before the limits apply
  std::string guess;  // why the shape is assumed rather than known ("" when it is known)
};

// mnist and fashion: 784 inputs, 60000 training and 10000 test images. synthetic: from its
// settings, with the last samples / 6 as the test set. idx: from the IDX headers in cfg.dir
// when the files are there, else MNIST's shape, with `guess` saying so. Classes are
// data::class_count(cfg); for idx without data.classes (which a run refuses) the largest label
// + 1, with `guess` saying so. Limits and the validation split are applied as data/load.cpp
// applies them.
DataShape data_shape(const DataConfig& cfg);

}  // namespace ns
