#include "study/data_shape.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "data/idx.hpp"
#include "data/load.hpp"

namespace ns {

namespace {

constexpr long kMnistTrain = 60000, kMnistTest = 10000;
constexpr int kMnistInputs = 784, kDigitClasses = 10;

struct IdxHeader {
  long count = 0;
  int pixels = 0;
};

// Only the 16-byte header: the plan must not read 47 MB of pixels per task.
IdxHeader read_images_header(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw DataError(path.string(), "file not found");
  std::ifstream in(path, std::ios::binary);
  unsigned char h[16] = {};
  if (!in.read(reinterpret_cast<char*>(h), sizeof h))
    throw DataError(path.string(), "too short for an IDX image header");
  auto be32 = [&](int at) {
    return (long(h[at]) << 24) | (long(h[at + 1]) << 16) | (long(h[at + 2]) << 8) | long(h[at + 3]);
  };
  if (be32(0) != 0x803) throw DataError(path.string(), "not an IDX image file");
  return {be32(4), int(be32(8) * be32(12))};
}

// The largest label + 1 (the label files are small): only for estimates, since a run refuses
// idx data without data.classes.
int largest_label_plus_one(const std::filesystem::path& dir) {
  int top = 0;
  for (const char* name : {data::kTrainLabelsFile, data::kTestLabelsFile})
    for (std::uint8_t v : data::read_idx_labels((dir / name).string(), 256))
      top = std::max(top, int{v});
  return top + 1;
}

long limited(long count, int limit) {
  return limit > 0 && limit < count ? limit : count;
}

}  // namespace

DataShape data_shape(const DataConfig& cfg) {
  DataShape shape;
  long train_pool = kMnistTrain;
  shape.test = kMnistTest;
  shape.classes = data::class_count(cfg);
  if (cfg.name == "synthetic") {
    shape.inputs = cfg.synthetic_features;
    shape.classes = cfg.synthetic_classes;
    shape.test = cfg.synthetic_samples / 6;
    train_pool = cfg.synthetic_samples - shape.test;
  } else if (cfg.name == "idx") {
    namespace fs = std::filesystem;
    const fs::path dir(cfg.dir);
    try {
      const IdxHeader train = read_images_header(dir / data::kTrainImagesFile);
      const IdxHeader test = read_images_header(dir / data::kTestImagesFile);
      shape.inputs = train.pixels;
      train_pool = train.count;
      shape.test = test.count;
      if (shape.classes == 0) {
        shape.classes = largest_label_plus_one(dir);
        shape.guess = fmt::format(
            "data.dir = '{}': data.classes is not set, which a run of idx data refuses; assumed "
            "the largest label + 1 = {} classes",
            cfg.dir, shape.classes);
      }
    } catch (const Error& e) {
      shape = DataShape{};
      train_pool = kMnistTrain;
      shape.test = kMnistTest;
      shape.classes = cfg.classes > 0 ? cfg.classes : kDigitClasses;
      shape.guess = fmt::format(
          "data.dir = '{}': cannot read the IDX files ({}); assumed MNIST's shape ({} inputs, "
          "{} training and {} test images, {} classes)",
          cfg.dir, e.what(), kMnistInputs, kMnistTrain, kMnistTest, shape.classes);
    }
  }
  shape.loaded = train_pool + shape.test;
  train_pool = limited(train_pool, cfg.limit_train);
  shape.test = limited(shape.test, cfg.limit_test);
  shape.train = std::lround(double(train_pool) * (1.0 - cfg.validation_fraction));
  shape.validation = train_pool - shape.train;
  return shape;
}

}  // namespace ns
