#include "data/load.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "data/idx.hpp"
#include "data/synthetic.hpp"

namespace ns::data {

namespace {

namespace fs = std::filesystem;

constexpr int kDigitClasses = 10;

// Training set and test set as they come, before limits and the validation split.
struct Pools {
  Dataset train, test;
  std::string train_images;  // for error messages about the training pixels
};

struct Standardization {
  double mean, std;  // NaN: compute from the training pixels
};

std::string missing_file_hint(const std::string& name, const fs::path& dir) {
  if (name == "idx")
    return fmt::format(
        "file not found; data set 'idx' needs {}, {}, {} and {} directly in {} (for MNIST or "
        "Fashion-MNIST use name 'mnist' or 'fashion' and run framework/tools/fetch-data.sh)",
        kTrainImagesFile, kTrainLabelsFile, kTestImagesFile, kTestLabelsFile, dir.string());
  return fmt::format(
      "file not found; run framework/tools/fetch-data.sh {} to download MNIST and Fashion-MNIST",
      dir.parent_path().string());
}

// The refusal of an idx data set without data.classes, with what its labels span, so that the
// user can judge the count rather than have it guessed.
[[noreturn]] void refuse_missing_classes(const fs::path& dir, const fs::path& train_labels,
                                         const fs::path& test_labels) {
  std::vector<std::string> spans;
  for (const auto& path : {train_labels, test_labels}) {
    const std::vector<std::uint8_t> labels = read_idx_labels(path.string(), 256);
    const auto top = std::max_element(labels.begin(), labels.end());
    spans.push_back(fmt::format("{} (first at index {}) in {}", int{*top}, top - labels.begin(),
                                path.string()));
  }
  throw Error(fmt::format(
      "'data.classes' is not set, and data.name = \"idx\" needs it: IDX files do not record the "
      "class count, and taking the largest label + 1 would turn one corrupt label into extra "
      "classes. The largest labels in {} are {} and {}; set data.classes",
      dir.string(), spans[0], spans[1]));
}

// classes == 0 (idx without data.classes): refused once the files are known to exist.
Pools read_idx_dir(const fs::path& dir, int classes, const std::string& name,
                   const std::string& classes_source) {
  const fs::path files[] = {dir / kTrainImagesFile, dir / kTrainLabelsFile, dir / kTestImagesFile,
                            dir / kTestLabelsFile};
  // Checked up front so that a missing download gets a message saying how to fix it.
  for (const auto& f : files)
    if (!fs::exists(f)) throw DataError(f.string(), missing_file_hint(name, dir));
  if (classes == 0) refuse_missing_classes(dir, files[1], files[3]);
  Pools p;
  p.train = load_idx_pair(files[0].string(), files[1].string(), classes, classes_source);
  p.test = load_idx_pair(files[2].string(), files[3].string(), classes, classes_source);
  p.train_images = files[0].string();
  if (p.train.features() != p.test.features())
    throw DataError(files[2].string(),
                    fmt::format("images have {} pixels but the training images in {} have {}",
                                p.test.features(), files[0].string(), p.train.features()));
  return p;
}

Pools make_synthetic(const DataConfig& cfg, const rng::Stream& stream) {
  SyntheticSpec spec;
  spec.samples = cfg.synthetic_samples;
  spec.features = cfg.synthetic_features;
  spec.classes = cfg.synthetic_classes;
  spec.separation = cfg.synthetic_separation;
  const Dataset all = make_gaussian_clusters(spec, stream);
  // A fixed tail keeps the test set out of the validation split's reach; labels are round-robin, so
  // the tail is class-balanced.
  const int n_test = all.size() / 6;
  const int n_pool = all.size() - n_test;
  if (n_test == 0 || n_pool == 0)
    throw Error(
        fmt::format("synthetic_samples = {} is too small for a test set (need >= 6)", all.size()));
  Pools p;
  p.train.x = all.x.leftCols(n_pool);
  p.train.y = all.y.head(n_pool);
  p.train.classes = all.classes;
  p.test.x = all.x.rightCols(n_test);
  p.test.y = all.y.tail(n_test);
  p.test.classes = all.classes;
  p.train_images = "synthetic data";
  return p;
}

void keep_first(Dataset& d, int limit) {
  if (limit <= 0 || limit >= d.size()) return;
  d.x.conservativeResize(Eigen::NoChange, limit);
  d.y.conservativeResize(limit);
}

Standardization defaults_for(const std::string& name) {
  const double nan = std::nan("");
  if (name == "mnist") return {0.1305, 0.3081};
  if (name == "fashion") return {0.2860, 0.3530};
  return {nan, nan};
}

// Over all pixels of all samples. Accumulated in double, one column at a time: MNIST has 38M
// training pixels, too many for float sums and too many to copy into a double matrix.
Standardization pixel_statistics(const Dataset& d) {
  double sum = 0.0;
  for (Eigen::Index j = 0; j < d.x.cols(); ++j) sum += d.x.col(j).cast<double>().sum();
  const double n = static_cast<double>(d.x.size());
  const double mean = sum / n;
  double squares = 0.0;
  for (Eigen::Index j = 0; j < d.x.cols(); ++j)
    squares += (d.x.col(j).cast<double>().array() - mean).square().sum();
  return {mean, std::sqrt(squares / n)};
}

}  // namespace

DataSplits load_data(const DataConfig& cfg, const rng::Stream& stream) {
  Pools pools;
  if (cfg.name == "mnist" || cfg.name == "fashion")
    pools = read_idx_dir(fs::path(cfg.dir) / cfg.name, class_count(cfg), cfg.name,
                         "classes: " + class_count_source(cfg));
  else if (cfg.name == "idx")
    pools = read_idx_dir(fs::path(cfg.dir), class_count(cfg), cfg.name,
                         "classes: " + class_count_source(cfg));
  else if (cfg.name == "synthetic")
    pools = make_synthetic(cfg, stream.child("synthetic"));
  else
    throw Error(fmt::format(
        "unknown data set name '{}'; valid names: mnist, fashion, idx, synthetic", cfg.name));

  keep_first(pools.train, cfg.limit_train);
  keep_first(pools.test, cfg.limit_test);
  TrainValidation tv =
      split_train_validation(pools.train, cfg.validation_fraction, stream.child("split"));

  DataSplits out;
  out.train = std::move(tv.train);
  out.validation = std::move(tv.validation);
  out.test = std::move(pools.test);

  Standardization s = defaults_for(cfg.name);
  if (!std::isnan(cfg.mean)) s.mean = cfg.mean;
  if (!std::isnan(cfg.std)) s.std = cfg.std;
  if (std::isnan(s.mean) || std::isnan(s.std)) {
    if (out.train.size() == 0) throw Error("no training samples to compute the mean and std from");
    const Standardization computed = pixel_statistics(out.train);
    if (std::isnan(s.mean)) s.mean = computed.mean;
    if (std::isnan(s.std)) {
      if (!(computed.std > 0.0))
        throw DataError(pools.train_images,
                        "the training pixels are all equal, so their std is 0; set data.std "
                        "explicitly");
      s.std = computed.std;
    }
  }
  out.mean = static_cast<float>(s.mean);
  out.std = static_cast<float>(s.std);
  standardize(out.train, out.mean, out.std);
  standardize(out.validation, out.mean, out.std);
  standardize(out.test, out.mean, out.std);
  return out;
}

int class_count(const DataConfig& cfg) {
  if (cfg.classes > 0) return cfg.classes;
  if (cfg.name == "mnist" || cfg.name == "fashion") return kDigitClasses;
  if (cfg.name == "synthetic") return cfg.synthetic_classes;
  return 0;
}

std::string class_count_source(const DataConfig& cfg) {
  if (cfg.classes > 0) return "data.classes";
  if (cfg.name == "mnist") return "MNIST's own; data.classes sets another";
  if (cfg.name == "fashion") return "Fashion-MNIST's own; data.classes sets another";
  if (cfg.name == "synthetic") return "data.synthetic.classes";
  return "data.classes is not set";
}

}  // namespace ns::data
