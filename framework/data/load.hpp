#pragma once
// From a DataConfig to the three standardised sets a run trains, selects and evaluates on.
#include <string>

#include "config/run_config.hpp"
#include "core/rng.hpp"
#include "data/dataset.hpp"

namespace ns::data {

struct DataSplits {
  Dataset train, validation, test;
  // The standardisation already applied to all three sets: x = (pixel - mean) / std. Returned so
  // that a run can record it and apply it to any further inputs.
  float mean = 0.0f, std = 1.0f;
};

// Loads (or generates) the data named by cfg.name:
//   mnist, fashion  the four IDX files in cfg.dir/mnist/ or cfg.dir/fashion/ (see
//                   framework/tools/fetch-data.sh); 10 classes unless cfg.classes says
//                   otherwise; default mean/std are the METHOD.md constants of the official
//                   training set.
//   idx             the same four file names directly in cfg.dir; cfg.classes is required (the
//                   files do not record the class count); default mean/std computed over the
//                   training pixels (after the split).
//   synthetic       make_gaussian_clusters(cfg.synthetic_*, stream.child("synthetic")); the last
//                   samples / 6 samples are the test set, the rest is split like the files'
//                   training set; default mean/std computed over the training pixels.
// The class count is class_count(cfg); a label at or above it is a DataError naming the label
// file, the first bad index and its value. cfg.limit_train / cfg.limit_test (> 0) keep the first N
// samples of the training / test pool before the split. The training pool is split with
// split_train_validation(..., cfg.validation_fraction, stream.child("split")). cfg.mean / cfg.std
// replace the defaults when they are not NaN. Throws Error for an unknown name, DataError for
// missing or bad files.
DataSplits load_data(const ns::DataConfig& cfg, const ns::rng::Stream& stream);

// The class count a run of `cfg` uses: cfg.classes when set, else the data set's own (10 for
// mnist and fashion, cfg.synthetic_classes). 0 for idx without cfg.classes, which load_data
// refuses: guessing the largest label + 1 would turn one corrupt label into extra classes.
int class_count(const ns::DataConfig& cfg);
// Where class_count(cfg) comes from, for messages: "data.classes", "MNIST's own; ...", ...
std::string class_count_source(const ns::DataConfig& cfg);

// File names of the MNIST distribution, shared by every IDX-based data set.
inline constexpr const char* kTrainImagesFile = "train-images-idx3-ubyte";
inline constexpr const char* kTrainLabelsFile = "train-labels-idx1-ubyte";
inline constexpr const char* kTestImagesFile = "t10k-images-idx3-ubyte";
inline constexpr const char* kTestLabelsFile = "t10k-labels-idx1-ubyte";

}  // namespace ns::data
