// Data layer: IDX files, splits, standardisation, synthetic clusters and load_data.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>

#include "core/error.hpp"
#include "data/dataset.hpp"
#include "data/idx.hpp"
#include "data/load.hpp"
#include "data/synthetic.hpp"

namespace fs = std::filesystem;
using namespace ns::data;
using Catch::Contains;

namespace {

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    do {
      path_ =
          fs::temp_directory_path() / fmt::format("noisesweep-test-data-{:08x}{:08x}", rd(), rd());
    } while (fs::exists(path_));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

using Bytes = std::vector<unsigned char>;

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

void append_be32(Bytes& b, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<unsigned char>(v >> shift));
}

// A raw image file: header fields as given, then `body` bytes of pixels.
Bytes image_bytes(std::uint32_t magic, std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                  std::size_t body) {
  Bytes b;
  append_be32(b, magic);
  append_be32(b, count);
  append_be32(b, rows);
  append_be32(b, cols);
  b.resize(b.size() + body, 7);
  return b;
}

Bytes label_bytes(std::uint32_t magic, std::uint32_t count, const Bytes& labels) {
  Bytes b;
  append_be32(b, magic);
  append_be32(b, count);
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

// count images of rows x cols with pixel p of image s = (s * 31 + p * 7) % 256.
IdxImages pattern_images(int count, int rows, int cols) {
  IdxImages im;
  im.count = count;
  im.rows = rows;
  im.cols = cols;
  for (int s = 0; s < count; ++s)
    for (int p = 0; p < rows * cols; ++p)
      im.pixels.push_back(static_cast<std::uint8_t>((s * 31 + p * 7) % 256));
  return im;
}

std::vector<std::uint8_t> cyclic_labels(int count, int classes) {
  std::vector<std::uint8_t> y;
  for (int i = 0; i < count; ++i) y.push_back(static_cast<std::uint8_t>(i % classes));
  return y;
}

// Sample i has feature 0 equal to i, so a sample's origin can be read back after a split.
Dataset numbered(int n) {
  Dataset d;
  d.classes = 3;
  d.x = Eigen::MatrixXf::Random(4, n);
  d.x.row(0) = Eigen::RowVectorXf::LinSpaced(n, 0.0f, static_cast<float>(n - 1));
  d.y.resize(n);
  for (int i = 0; i < n; ++i) d.y[i] = i % 3;
  return d;
}

std::vector<int> ids(const Dataset& d) {
  std::vector<int> out;
  for (int i = 0; i < d.size(); ++i) out.push_back(static_cast<int>(d.x(0, i)));
  return out;
}

// Writes the four MNIST-named files into dir: train_n / test_n images of 4x4, labels i % classes.
void write_idx_set(const fs::path& dir, int train_n, int test_n, int classes) {
  fs::create_directories(dir);
  write_idx_images((dir / kTrainImagesFile).string(), pattern_images(train_n, 4, 4));
  write_idx_labels((dir / kTrainLabelsFile).string(), cyclic_labels(train_n, classes));
  write_idx_images((dir / kTestImagesFile).string(), pattern_images(test_n, 4, 4));
  write_idx_labels((dir / kTestLabelsFile).string(), cyclic_labels(test_n, classes));
}

double mean_of(const Eigen::MatrixXf& x) {
  return x.cast<double>().mean();
}

}  // namespace

TEST_CASE("IDX files round-trip through the writer and reader", "[data]") {
  TempDir tmp;
  const IdxImages images = pattern_images(5, 3, 2);
  const std::vector<std::uint8_t> labels = {0, 9, 3, 3, 1};
  write_idx_images(tmp.file("img"), images);
  write_idx_labels(tmp.file("lab"), labels);

  SECTION("raw images and labels come back unchanged") {
    const IdxImages back = read_idx_images(tmp.file("img"));
    REQUIRE(back.count == 5);
    REQUIRE(back.rows == 3);
    REQUIRE(back.cols == 2);
    REQUIRE(back.pixels == images.pixels);
    REQUIRE(read_idx_labels(tmp.file("lab"), 10) == labels);
    REQUIRE(fs::file_size(tmp.file("img")) == 16 + 5 * 3 * 2);
    REQUIRE(fs::file_size(tmp.file("lab")) == 8 + 5);
  }

  SECTION("load_idx_pair gives one column per sample, row-major pixels scaled to [0, 1]") {
    const Dataset d = load_idx_pair(tmp.file("img"), tmp.file("lab"), 10);
    REQUIRE(d.features() == 6);
    REQUIRE(d.size() == 5);
    REQUIRE(d.classes == 10);
    for (int s = 0; s < 5; ++s) {
      REQUIRE(d.y[s] == labels[s]);
      for (int p = 0; p < 6; ++p) REQUIRE(d.x(p, s) == images.pixels[s * 6 + p] / 255.0f);
    }
    REQUIRE((d.x.array() >= 0.0f && d.x.array() <= 1.0f).all());
  }
}

TEST_CASE("corrupt IDX files throw DataError naming the file and the problem", "[data]") {
  TempDir tmp;
  const std::string img = tmp.file("images");
  const std::string lab = tmp.file("labels");
  write_idx_images(tmp.file("good-images"), pattern_images(3, 2, 2));
  write_idx_labels(tmp.file("good-labels"), {0, 1, 2});

  struct Case {
    const char* name;
    std::function<void()> make;  // writes the corrupt file(s)
    std::function<void()> read;  // the call that must throw
    std::string file;            // the file the message must name
    std::string problem;         // a fragment of the message
  };
  const auto read_img = [&] { read_idx_images(img); };
  const auto read_lab = [&] { read_idx_labels(lab, 10); };
  const std::vector<Case> cases = {
      {"missing file", [] {}, read_img, img, "file not found"},
      {"directory instead of a file", [&] { fs::create_directory(img); }, read_img, img,
       "not a regular file"},
      {"label magic in an image file", [&] { write_bytes(img, image_bytes(0x801, 3, 2, 2, 12)); },
       read_img, img, "wrong magic number 0x00000801, expected 0x00000803"},
      {"image magic in a label file",
       [&] {
         write_bytes(lab, label_bytes(0x803, 3, {0, 1, 2}));
       },
       read_lab, lab, "wrong magic number 0x00000803, expected 0x00000801"},
      {"gzip-compressed file",
       [&] {
         write_bytes(img, {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
       },
       read_img, img, "gunzip it first"},
      {"header cut short",
       [&] {
         write_bytes(img, {0, 0, 8, 3, 0, 0});
       },
       read_img, img, "too short for an IDX images header"},
      {"truncated images", [&] { write_bytes(img, image_bytes(0x803, 3, 2, 2, 7)); }, read_img, img,
       "truncated, 5 bytes missing"},
      {"trailing bytes after images", [&] { write_bytes(img, image_bytes(0x803, 3, 2, 2, 15)); },
       read_img, img, "3 trailing bytes"},
      {"truncated labels",
       [&] {
         write_bytes(lab, label_bytes(0x801, 5, {0, 1}));
       },
       read_lab, lab, "truncated, 3 bytes missing"},
      {"zero images", [&] { write_bytes(img, image_bytes(0x803, 0, 28, 28, 0)); }, read_img, img,
       "zero dimension"},
      {"zero rows", [&] { write_bytes(img, image_bytes(0x803, 3, 0, 28, 0)); }, read_img, img,
       "zero dimension"},
      {"absurd image size", [&] { write_bytes(img, image_bytes(0x803, 1, 100000, 100000, 4)); },
       read_img, img, "implausible dimensions"},
      {"label out of range",
       [&] {
         write_bytes(lab, label_bytes(0x801, 4, {0, 1, 12, 3}));
       },
       read_lab, lab, "label 12 at index 2 is out of range [0, 10)"},
      {"more labels than images",
       [&] {
         write_idx_labels(lab, {0, 1, 2, 3});
       },
       [&] { load_idx_pair(tmp.file("good-images"), lab, 10); }, lab,
       "has 4 labels but " + tmp.file("good-images") + " has 3 images"},
      {"bad labels in a pair",
       [&] {
         write_bytes(lab, label_bytes(0x801, 3, {0, 10, 1}));
       },
       [&] { load_idx_pair(tmp.file("good-images"), lab, 10); }, lab, "label 10 at index 1"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      c.make();
      REQUIRE_THROWS_AS(c.read(), ns::DataError);
      REQUIRE_THROWS_WITH(c.read(), Contains(c.file) && Contains(c.problem));
      try {
        c.read();
      } catch (const ns::DataError& e) {
        REQUIRE(e.file() == c.file);
      }
    }
  }

  SECTION("truncation reports expected and actual sizes") {
    write_bytes(img, image_bytes(0x803, 3, 2, 2, 7));
    REQUIRE_THROWS_WITH(read_idx_images(img), Contains("= 28 bytes") &&
                                                  Contains("the file has 23 bytes") &&
                                                  Contains("truncated, 5 bytes missing"));
  }
}

TEST_CASE("select and split_train_validation", "[data]") {
  const Dataset all = numbered(101);
  const ns::rng::Stream stream(42);

  SECTION("select keeps the order given and rejects bad indices") {
    Eigen::VectorXi idx(3);
    idx << 7, 2, 7;
    const Dataset s = all.select(idx);
    REQUIRE(ids(s) == std::vector<int>{7, 2, 7});
    REQUIRE(s.y[1] == all.y[2]);
    REQUIRE(s.classes == all.classes);
    idx << 0, 101, 1;
    REQUIRE_THROWS_AS(all.select(idx), ns::Error);
  }

  SECTION("sizes follow round(n * (1 - fraction)); train and validation partition the data") {
    const TrainValidation tv = split_train_validation(all, 0.2, stream);
    REQUIRE(tv.train.size() == 81);  // round(80.8)
    REQUIRE(tv.validation.size() == 20);
    std::set<int> seen;
    for (int i : ids(tv.train)) seen.insert(i);
    for (int i : ids(tv.validation)) REQUIRE(seen.insert(i).second);
    REQUIRE(seen.size() == 101);
    // Labels travel with their samples.
    for (int i = 0; i < tv.train.size(); ++i) REQUIRE(tv.train.y[i] == ids(tv.train)[i] % 3);
  }

  SECTION("the split is the stream's permutation, so it is reproducible and seed-dependent") {
    const TrainValidation a = split_train_validation(all, 0.3, stream);
    const TrainValidation b = split_train_validation(all, 0.3, stream);
    const TrainValidation c = split_train_validation(all, 0.3, ns::rng::Stream(43));
    REQUIRE(ids(a.train) == ids(b.train));
    REQUIRE(ids(a.validation) == ids(b.validation));
    REQUIRE(ids(a.train) != ids(c.train));
    const Eigen::VectorXi perm = ns::rng::permutation(stream, 101);
    REQUIRE(ids(a.train).front() == perm[0]);
    REQUIRE(ids(a.validation).back() == perm[100]);
  }

  SECTION("fraction 0 keeps everything for training") {
    const TrainValidation tv = split_train_validation(all, 0.0, stream);
    REQUIRE(tv.train.size() == 101);
    REQUIRE(tv.validation.size() == 0);
  }

  SECTION("fractions outside [0, 1) are rejected") {
    for (double f : {1.0, -0.1, 1.5, std::nan("")})
      REQUIRE_THROWS_AS(split_train_validation(all, f, stream), ns::Error);
    REQUIRE_THROWS_WITH(split_train_validation(all, 1.0, stream), Contains("[0, 1)"));
  }
}

TEST_CASE("standardize matches an independent computation", "[data]") {
  Dataset d = numbered(17);
  const Eigen::MatrixXf before = d.x;
  standardize(d, 0.25f, 0.5f);
  for (int j = 0; j < before.cols(); ++j)
    for (int i = 0; i < before.rows(); ++i)
      REQUIRE(d.x(i, j) == Approx((double(before(i, j)) - 0.25) / 0.5).epsilon(1e-6));
  REQUIRE_THROWS_AS(standardize(d, 0.0f, 0.0f), ns::Error);
  REQUIRE_THROWS_AS(standardize(d, std::nanf(""), 1.0f), ns::Error);
}

TEST_CASE("synthetic Gaussian clusters", "[data]") {
  const ns::rng::Stream stream(7);
  SyntheticSpec spec;  // 2000 samples, 20 features, 4 classes

  SECTION("same stream, same data; another stream, other data") {
    const Dataset a = make_gaussian_clusters(spec, stream);
    const Dataset b = make_gaussian_clusters(spec, stream);
    const Dataset c = make_gaussian_clusters(spec, ns::rng::Stream(8));
    REQUIRE(a.x == b.x);
    REQUIRE(a.y == b.y);
    REQUIRE(a.x != c.x);
    REQUIRE(a.features() == 20);
    REQUIRE(a.size() == 2000);
    REQUIRE(a.classes == 4);
  }

  SECTION("classes are balanced") {
    spec.samples = 2002;
    const Dataset d = make_gaussian_clusters(spec, stream);
    std::vector<int> counts(4, 0);
    for (int i = 0; i < d.size(); ++i) ++counts.at(d.y[i]);
    REQUIRE(counts == std::vector<int>{501, 501, 500, 500});
  }

  SECTION("a prefix does not depend on the total sample count") {
    const Dataset full = make_gaussian_clusters(spec, stream);
    spec.samples = 100;
    const Dataset part = make_gaussian_clusters(spec, stream);
    REQUIRE(part.x == full.x.leftCols(100));
  }

  SECTION("learnable but not trivially separable with the default spec") {
    // Nearest class mean, with means estimated on one half and scored on the other, is close
    // to the Bayes classifier for isotropic clusters.
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
      spec.samples = 8000;
      const Dataset d = make_gaussian_clusters(spec, ns::rng::Stream(seed));
      Eigen::MatrixXf means = Eigen::MatrixXf::Zero(d.features(), d.classes);
      for (int i = 0; i < 4000; ++i) means.col(d.y[i]) += d.x.col(i) / 1000.0f;
      int correct = 0;
      for (int i = 4000; i < 8000; ++i) {
        Eigen::Index best;
        (means.colwise() - d.x.col(i)).colwise().squaredNorm().minCoeff(&best);
        correct += best == d.y[i];
      }
      const double accuracy = correct / 4000.0;
      INFO("seed " << seed << " accuracy " << accuracy);
      REQUIRE(accuracy > 0.9);
      REQUIRE(accuracy < 0.995);
    }
  }

  SECTION("bad specs are rejected") {
    spec.classes = 1;
    REQUIRE_THROWS_AS(make_gaussian_clusters(spec, stream), ns::Error);
    spec.classes = 4;
    spec.separation = -1.0;
    REQUIRE_THROWS_AS(make_gaussian_clusters(spec, stream), ns::Error);
  }
}

TEST_CASE("load_data on synthetic data", "[data]") {
  ns::DataConfig cfg;
  cfg.name = "synthetic";  // 3000 samples, 20 features, 4 classes
  const ns::rng::Stream stream(11);

  SECTION("a sixth is the test set; the rest is split and standardised on train") {
    const DataSplits s = load_data(cfg, stream);
    REQUIRE(s.test.size() == 500);
    REQUIRE(s.train.size() == 2000);
    REQUIRE(s.validation.size() == 500);
    REQUIRE(s.train.features() == 20);
    REQUIRE(s.train.classes == 4);
    REQUIRE(mean_of(s.train.x) == Approx(0.0).margin(1e-5));
    REQUIRE(std::sqrt(s.train.x.cast<double>().array().square().mean()) == Approx(1.0));
    // The test set is the raw tail of the generated samples, standardised with train's values.
    ns::data::SyntheticSpec spec{3000, 20, 4, 3.0};
    const Dataset raw = make_gaussian_clusters(spec, stream.child("synthetic"));
    const Eigen::MatrixXf expect = (raw.x.rightCols(500).array() - s.mean) / s.std;
    REQUIRE(s.test.x.isApprox(expect));
    REQUIRE(s.test.y == raw.y.tail(500));
  }

  SECTION("deterministic in the stream") {
    const DataSplits a = load_data(cfg, stream);
    const DataSplits b = load_data(cfg, stream);
    const DataSplits c = load_data(cfg, ns::rng::Stream(12));
    REQUIRE(a.train.x == b.train.x);
    REQUIRE(a.validation.y == b.validation.y);
    REQUIRE(a.train.x != c.train.x);
  }

  SECTION("limits and explicit mean/std") {
    cfg.limit_train = 100;
    cfg.limit_test = 30;
    cfg.mean = 0.5;
    cfg.std = 2.0;
    const DataSplits s = load_data(cfg, stream);
    REQUIRE(s.train.size() == 80);
    REQUIRE(s.validation.size() == 20);
    REQUIRE(s.test.size() == 30);
    REQUIRE(s.mean == 0.5f);
    REQUIRE(s.std == 2.0f);
  }
}

TEST_CASE("load_data on IDX files", "[data]") {
  TempDir tmp;
  ns::DataConfig cfg;
  cfg.dir = tmp.path().string();
  cfg.validation_fraction = 0.25;
  const ns::rng::Stream stream(3);

  SECTION("'idx' reads the directory itself and computes mean/std over the training split") {
    write_idx_set(tmp.path(), 20, 6, 3);
    cfg.name = "idx";
    cfg.classes = 4;  // one more than the labels use: the count is the setting, not a guess
    const DataSplits s = load_data(cfg, stream);
    REQUIRE(s.train.size() == 15);
    REQUIRE(s.validation.size() == 5);
    REQUIRE(s.test.size() == 6);
    REQUIRE(s.train.classes == 4);
    REQUIRE(s.test.classes == 4);
    REQUIRE(s.train.features() == 16);

    // Recompute independently: the split's training pixels, in double.
    const Dataset raw = load_idx_pair(tmp.file(kTrainImagesFile), tmp.file(kTrainLabelsFile), 3);
    const Dataset train = split_train_validation(raw, 0.25, stream.child("split")).train;
    const double mean = mean_of(train.x);
    const double var = (train.x.cast<double>().array() - mean).square().mean();
    REQUIRE(s.mean == Approx(mean));
    REQUIRE(s.std == Approx(std::sqrt(var)));
    REQUIRE(s.train.y == train.y);
    REQUIRE(mean_of(s.train.x) == Approx(0.0).margin(1e-5));
  }

  SECTION("'mnist' reads DIR/mnist, uses the fixed constants and applies the limits") {
    write_idx_set(tmp.path() / "mnist", 40, 12, 10);
    cfg.name = "mnist";
    cfg.limit_train = 8;
    cfg.limit_test = 5;
    const DataSplits s = load_data(cfg, stream);
    REQUIRE(s.train.size() == 6);
    REQUIRE(s.validation.size() == 2);
    REQUIRE(s.test.size() == 5);
    REQUIRE(s.mean == 0.1305f);
    REQUIRE(s.std == 0.3081f);
    // The test set is the first five images of the file, in order.
    const Dataset raw = load_idx_pair(tmp.file("mnist/t10k-images-idx3-ubyte"),
                                      tmp.file("mnist/t10k-labels-idx1-ubyte"), 10);
    const Eigen::MatrixXf expect = (raw.x.leftCols(5).array() - 0.1305f) / 0.3081f;
    REQUIRE(s.test.x.isApprox(expect));
  }

  SECTION("missing files point to fetch-data.sh") {
    cfg.name = "fashion";
    const std::string path = (tmp.path() / "fashion" / kTrainImagesFile).string();
    REQUIRE_THROWS_AS(load_data(cfg, stream), ns::DataError);
    REQUIRE_THROWS_WITH(load_data(cfg, stream),
                        Contains(path) && Contains("file not found") && Contains("fetch-data.sh"));
    cfg.name = "idx";
    REQUIRE_THROWS_WITH(load_data(cfg, stream), Contains("fetch-data.sh"));
  }

  SECTION("'idx' without data.classes is refused, with the labels' span instead of a guess") {
    write_idx_set(tmp.path(), 20, 6, 3);
    std::vector<std::uint8_t> labels = cyclic_labels(20, 3);
    labels[13] = 10;  // one corrupt label: a guess would train an 11-class model
    write_idx_labels(tmp.file(kTrainLabelsFile), labels);
    cfg.name = "idx";
    REQUIRE_THROWS_WITH(load_data(cfg, stream),
                        Contains("'data.classes' is not set") && Contains("set data.classes") &&
                            Contains("10 (first at index 13) in " + tmp.file(kTrainLabelsFile)) &&
                            Contains("2 (first at index 2) in " + tmp.file(kTestLabelsFile)));
    // Files that are missing still say so first, with the download hint.
    fs::remove(tmp.file(kTestImagesFile));
    REQUIRE_THROWS_WITH(load_data(cfg, stream), Contains("file not found"));
  }

  SECTION("a label outside the class count names the label file, the first bad index and value") {
    // An MNIST-shaped folder with one label 10 (or 255) among the digits.
    for (const int bad : {10, 255}) {
      write_idx_set(tmp.path() / "mnist", 30, 10, 10);
      std::vector<std::uint8_t> labels = cyclic_labels(30, 10);
      labels[17] = static_cast<std::uint8_t>(bad);
      labels[23] = static_cast<std::uint8_t>(bad);
      const std::string path = tmp.file("mnist/" + std::string(kTrainLabelsFile));
      write_idx_labels(path, labels);
      cfg.name = "mnist";
      cfg.classes = 0;
      REQUIRE_THROWS_AS(load_data(cfg, stream), ns::DataError);
      REQUIRE_THROWS_WITH(
          load_data(cfg, stream),
          Contains(path) &&
              Contains(fmt::format("label {} at index 17 is out of range [0, 10)", bad)) &&
              Contains("MNIST's own") && Contains("2 bad labels in total"));
      // An explicit count that covers the label accepts it, and the model gets that many outputs.
      cfg.classes = bad + 1;
      REQUIRE(load_data(cfg, stream).train.classes == bad + 1);
      // One that does not is named as the source of the count.
      cfg.classes = 5;
      REQUIRE_THROWS_WITH(load_data(cfg, stream),
                          Contains(path) && Contains("label 5 at index 5") &&
                              Contains("out of range [0, 5) (classes: data.classes;"));
    }
  }

  SECTION("a label file of the wrong length is reported through load_data") {
    write_idx_set(tmp.path() / "mnist", 10, 4, 10);
    write_idx_labels(tmp.file("mnist/t10k-labels-idx1-ubyte"), cyclic_labels(5, 10));
    cfg.name = "mnist";
    REQUIRE_THROWS_AS(load_data(cfg, stream), ns::DataError);
    REQUIRE_THROWS_WITH(load_data(cfg, stream), Contains("has 5 labels but"));
  }

  SECTION("unknown names list the valid ones") {
    cfg.name = "cifar";
    REQUIRE_THROWS_AS(load_data(cfg, stream), ns::Error);
    REQUIRE_THROWS_WITH(load_data(cfg, stream),
                        Contains("cifar") && Contains("mnist, fashion, idx, synthetic"));
  }
}
