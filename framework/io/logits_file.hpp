#pragma once
// The clean logits of a network on a test set, in an HDF5 file that h5py reads directly: what
// another framework (PyTorch) must reproduce to show that a network moved between them intact.
//
// Layout (format_version 1):
//   /            attrs: format = "noisesweep-logits", format_version = 1, weights (the file
//                       evaluated), data_mean and data_std (the inputs were (pixel - mean) / std,
//                       pixels of IDX data in [0, 1])
//   /logits      float32, shape (samples, classes)
//   /predicted   int32, shape (samples): the argmax of each row (the first, on ties)
//   /labels      int32, shape (samples): the true labels
#include <string>

#include "data/dataset.hpp"
#include "engine/parameters.hpp"

namespace ns {

struct LogitsSource {
  std::string weights;  // the weights file the network came from, for the reader
  float data_mean = 0, data_std = 1;
};

// Computes the logits of `test` in chunks of `chunk` samples and writes them atomically.
void save_logits(const std::string& path, const Parameters<float>& p, const data::Dataset& test,
                 int chunk, const LogitsSource& source);

}  // namespace ns
