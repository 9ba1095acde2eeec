// The HDF5 wrapper and the weights file: round trips, on-disk shapes as other tools see them,
// and errors that name the file and the object.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>
#include <catch2/catch.hpp>

#include "scratch_dir.hpp"

#include "core/error.hpp"
#include "io/h5.hpp"
#include "io/weights_file.hpp"

namespace fs = std::filesystem;
using Catch::Contains;

namespace {

// A fresh directory per test, removed afterwards; distinct per process and per test.
Eigen::MatrixXf random_matrix(Eigen::Index rows, Eigen::Index cols, std::mt19937& rng) {
  std::normal_distribution<float> normal;
  Eigen::MatrixXf m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = normal(rng);
  return m;
}

ns::ModelWeights random_model(const std::vector<int>& sizes, std::mt19937& rng) {
  ns::ModelWeights m;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    ns::LayerWeights layer;
    layer.w = random_matrix(sizes[l + 1], sizes[l], rng);
    layer.b = random_matrix(sizes[l + 1], 1, rng);
    m.layers.push_back(layer);
  }
  return m;
}

bool bit_equal(const Eigen::MatrixXf& a, const Eigen::MatrixXf& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::equal(a.data(), a.data() + a.size(), b.data(),
                    [](float x, float y) { return std::memcmp(&x, &y, sizeof x) == 0; });
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A well-formed weights file written by hand, so single parts can be broken on purpose.
void write_weights_by_hand(const std::string& path, const std::vector<Eigen::MatrixXf>& ws,
                           const std::vector<Eigen::VectorXf>& bs,
                           const std::vector<std::int64_t>& sizes) {
  ns::h5::File file = ns::h5::File::create(path);
  ns::h5::Group root = file.root();
  root.set_attr("format", "noisesweep-weights");
  root.set_attr("format_version", 1);
  root.set_attr("activation", "tanh");
  root.set_attr("noise_placement", "before");
  root.set_attr("layer_sizes", sizes);
  root.set_attr("settings", "");
  ns::h5::Group layers = root.create_group("layers");
  for (std::size_t l = 0; l < ws.size(); ++l) {
    ns::h5::Group layer = layers.create_group(std::to_string(l));
    layer.write("W", ws[l]);
    layer.write("b", bs[l]);
  }
}

}  // namespace

TEST_CASE("attributes round trip with their types", "[h5]") {
  ScratchDir dir;
  const std::string path = dir.file("attrs.h5");
  {
    ns::h5::File file = ns::h5::File::create(path);
    ns::h5::Group root = file.root();
    root.set_attr("name", std::string("σ-sweep µ"));
    root.set_attr("empty", "");
    root.set_attr("pi", 3.141592653589793);
    root.set_attr("big", std::int64_t{1} << 40);
    root.set_attr("small", -7);
    root.set_attr("levels", std::vector<double>{0.001, 0.5, 1.0});
    root.set_attr("sizes", std::vector<std::int64_t>{784, 300, 10});
    root.set_attr("none", std::vector<double>{});
    root.set_attr("small", 8);  // replaces, as a results archive updating a status would
    ns::h5::Group task = root.create_group("task_0");
    task.set_attr("status", "done");
    file.flush();
  }
  const ns::h5::File file = ns::h5::File::open_read(path);
  const ns::h5::Group root = file.root();
  CHECK(root.get_attr_string("name") == "σ-sweep µ");
  CHECK(root.get_attr_string("empty").empty());
  CHECK(root.get_attr_double("pi") == 3.141592653589793);
  CHECK(root.get_attr_int64("big") == (std::int64_t{1} << 40));
  CHECK(root.get_attr_int64("small") == 8);
  CHECK(root.get_attr_doubles("levels") == std::vector<double>{0.001, 0.5, 1.0});
  CHECK(root.get_attr_int64s("sizes") == std::vector<std::int64_t>{784, 300, 10});
  CHECK(root.get_attr_doubles("none").empty());
  CHECK(root.has_attr("pi"));
  CHECK_FALSE(root.has_attr("e"));
  CHECK(root.group("task_0").get_attr_string("status") == "done");
}

TEST_CASE("attribute errors name the object and the attribute", "[h5]") {
  ScratchDir dir;
  const std::string path = dir.file("attrs.h5");
  ns::h5::File file = ns::h5::File::create(path);
  ns::h5::Group task = file.root().create_group("tasks/7");
  task.set_attr("loss", 0.25);
  task.set_attr("levels", std::vector<double>{1, 2});

  CHECK_THROWS_WITH(task.get_attr_double("accuracy"),
                    Contains(path) && Contains("/tasks/7") && Contains("'accuracy'"));
  CHECK_THROWS_AS(task.get_attr_double("accuracy"), ns::ArchiveError);
  CHECK_THROWS_WITH(task.get_attr_string("loss"), Contains("/tasks/7") && Contains("'loss'") &&
                                                      Contains("floating-point") &&
                                                      Contains("not string"));
  CHECK_THROWS_WITH(task.get_attr_int64("loss"), Contains("'loss'") && Contains("not integer"));
  CHECK_THROWS_WITH(task.get_attr_double("levels"),
                    Contains("'levels'") && Contains("2 values, expected one"));
}

TEST_CASE("datasets round trip with their shapes", "[h5]") {
  ScratchDir dir;
  const std::string path = dir.file("data.h5");
  const std::vector<float> f{1.5f, -2.25f, 3.0f, 4.0f, 5.0f, 6.0f};
  const std::vector<double> d{0.1, 0.2, 0.3};
  const std::vector<std::int32_t> i32{-1, 0, 1, 2};
  const std::vector<std::int64_t> i64{std::int64_t{1} << 50, -3};
  {
    ns::h5::File file = ns::h5::File::create(path);
    ns::h5::Group root = file.root();
    root.write("f", f.data(), {2, 3});
    root.write("d", d.data(), {3});
    root.write("deep/inside/i32", i32.data(), {2, 2});
    root.write("i64", i64.data(), {2});
    root.write("nothing", static_cast<const double*>(nullptr), {0});
  }
  const ns::h5::File file = ns::h5::File::open_rw(path);
  const ns::h5::Group root = file.root();
  std::vector<float> f_back;
  std::vector<double> d_back, nothing;
  std::vector<std::int32_t> i32_back;
  std::vector<std::int64_t> i64_back;
  CHECK(root.read("f", f_back) == std::vector<hsize_t>{2, 3});
  CHECK(f_back == f);
  CHECK(root.read("d", d_back) == std::vector<hsize_t>{3});
  CHECK(d_back == d);
  CHECK(root.read("deep/inside/i32", i32_back) == std::vector<hsize_t>{2, 2});
  CHECK(i32_back == i32);
  CHECK(root.read("i64", i64_back) == std::vector<hsize_t>{2});
  CHECK(i64_back == i64);
  CHECK(root.read("nothing", nothing) == std::vector<hsize_t>{0});
  CHECK(nothing.empty());

  // Widening is fine; narrowing or changing the kind of value is refused.
  std::vector<double> widened;
  root.read("f", widened);
  CHECK(widened == std::vector<double>(f.begin(), f.end()));
  CHECK_THROWS_WITH(root.read("d", f_back), Contains("/d") && Contains("lose precision"));
  CHECK_THROWS_WITH(root.read("f", i64_back), Contains("floating-point values, not integer"));
  CHECK_THROWS_WITH(root.read("absent", d_back),
                    Contains(path) && Contains("/absent") && Contains("no such dataset"));
}

TEST_CASE("Eigen matrices are stored row-major as (rows, cols)", "[h5]") {
  ScratchDir dir;
  const std::string path = dir.file("eigen.h5");
  Eigen::MatrixXf mf(3, 5);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 5; ++j) mf(i, j) = static_cast<float>(10 * i + j);
  const Eigen::MatrixXd md = mf.cast<double>().transpose() * 0.5;
  const Eigen::VectorXf vf = Eigen::VectorXf::LinSpaced(4, -1.0f, 1.0f);
  const Eigen::VectorXd vd = Eigen::VectorXd::LinSpaced(2, 0.0, 3.0);
  {
    ns::h5::File file = ns::h5::File::create(path);
    ns::h5::Group g = file.root().create_group("m");
    g.write("mf", mf);
    g.write("md", md);
    g.write("vf", vf);
    g.write("vd", vd);
  }
  const ns::h5::Group g = ns::h5::File::open_read(path).root().group("m");
  // The raw dataset is (rows, cols) in C order: element (i, j) sits at i * cols + j.
  std::vector<float> raw;
  REQUIRE(g.read("mf", raw) == std::vector<hsize_t>{3, 5});
  CHECK(g.dims("mf") == std::vector<hsize_t>{3, 5});
  CHECK(g.dims("md") == std::vector<hsize_t>{5, 3});
  CHECK(g.dims("vf") == std::vector<hsize_t>{4});
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 5; ++j) CHECK(raw[i * 5 + j] == mf(i, j));

  Eigen::MatrixXf mf_back;
  Eigen::MatrixXd md_back;
  Eigen::VectorXf vf_back;
  Eigen::VectorXd vd_back;
  g.read("mf", mf_back);
  g.read("md", md_back);
  g.read("vf", vf_back);
  g.read("vd", vd_back);
  CHECK(mf_back == mf);
  CHECK(md_back == md);
  CHECK(vf_back == vf);
  CHECK(vd_back == vd);
  CHECK_THROWS_WITH(g.read("vf", mf_back), Contains("/m/vf") && Contains("expected a 2-D"));
  CHECK_THROWS_WITH(g.read("mf", vf_back), Contains("/m/mf") && Contains("expected a 1-D"));
}

TEST_CASE("string datasets round trip as UTF-8", "[h5]") {
  ScratchDir dir;
  const std::string path = dir.file("strings.h5");
  const std::vector<std::string> names{"AddUnc", "", "µ-noise σ²", "a longer string, with commas"};
  {
    ns::h5::File file = ns::h5::File::create(path);
    file.root().write("names", names);
    file.root().write("none", std::vector<std::string>{});
  }
  const ns::h5::Group root = ns::h5::File::open_read(path).root();
  std::vector<std::string> back;
  CHECK(root.read("names", back) == std::vector<hsize_t>{4});
  CHECK(back == names);
  CHECK(root.read("none", back) == std::vector<hsize_t>{0});
  CHECK(back.empty());
  std::vector<double> numbers;
  CHECK_THROWS_WITH(root.read("names", numbers), Contains("string values, not floating-point"));
}

TEST_CASE("groups: children, has, and missing ones", "[h5]") {
  ScratchDir dir;
  const std::string path = dir.file("groups.h5");
  ns::h5::File file = ns::h5::File::create(path);
  ns::h5::Group root = file.root();
  root.create_group("b");
  ns::h5::Group a = root.create_group("a");
  const double x = 1.0;
  a.write("x", &x, {});
  CHECK(a.path() == "/a");
  CHECK(root.children() == std::vector<std::string>{"a", "b"});
  CHECK(root.has("a"));
  CHECK(root.has("a/x"));
  CHECK_FALSE(root.has("c"));
  CHECK_FALSE(root.has("c/d"));
  CHECK_FALSE(root.has("a/x/y"));  // x is a dataset, so nothing lies below it
  CHECK(root.group("a").children() == std::vector<std::string>{"x"});
  CHECK(root.dims("a/x").empty());  // a scalar

  CHECK_THROWS_AS(root.group("c/d"), ns::ArchiveError);
  CHECK_THROWS_WITH(root.group("c/d"),
                    Contains(path) && Contains("/c/d") && Contains("no such group"));
  // HDF5's own reason reaches the message.
  CHECK_THROWS_WITH(root.create_group("a"), Contains("/a") && Contains("HDF5:"));
  CHECK_THROWS_WITH(a.write("x", &x, {}), Contains("/a/x") && Contains("already exists"));
}

TEST_CASE("opening files: missing, not HDF5, unwritable", "[h5]") {
  ScratchDir dir;
  const std::string missing = dir.file("missing.h5");
  CHECK_THROWS_AS(ns::h5::File::open_read(missing), ns::ArchiveError);
  CHECK_THROWS_WITH(ns::h5::File::open_read(missing),
                    Contains(missing) && Contains("does not exist"));
  CHECK_THROWS_WITH(ns::h5::File::open_rw(missing), Contains("does not exist"));

  const std::string text = dir.file("notes.txt");
  std::ofstream(text) << "this is not HDF5\n";
  CHECK_THROWS_WITH(ns::h5::File::open_read(text), Contains(text) && Contains("not an HDF5 file"));

  CHECK_THROWS_WITH(ns::h5::File::create(dir.file("no/such/dir/x.h5")),
                    Contains("no/such/dir/x.h5") && Contains("cannot create the file"));
}

TEST_CASE("weights file round trip is bit-exact", "[h5]") {
  ScratchDir dir;
  const std::string path = dir.file("weights.h5");
  std::mt19937 rng(42);
  ns::ModelWeights saved = random_model({784, 300, 300, 10}, rng);
  saved.activation = ns::Activation::PhotonicSigmoid;
  saved.noise_placement = ns::NoisePlacement::Before;
  saved.settings_text = "[model]\nhidden = [300, 300]\n";
  ns::save_weights(path, saved);

  const ns::ModelWeights loaded = ns::load_weights(path);
  REQUIRE(loaded.layers.size() == 3);
  for (std::size_t l = 0; l < 3; ++l) {
    CHECK(bit_equal(loaded.layers[l].w, saved.layers[l].w));
    CHECK(bit_equal(loaded.layers[l].b, saved.layers[l].b));
  }
  CHECK(loaded.activation == ns::Activation::PhotonicSigmoid);
  CHECK(loaded.noise_placement == ns::NoisePlacement::Before);
  CHECK(loaded.settings_text == saved.settings_text);

  const ns::h5::Group root = ns::h5::File::open_read(path).root();
  CHECK(root.get_attr_string("format") == "noisesweep-weights");
  CHECK(root.get_attr_int64("format_version") == 1);
  CHECK(root.get_attr_string("activation") == "photonic_sigmoid");
  CHECK(root.get_attr_string("noise_placement") == "before");
  CHECK(root.get_attr_int64s("layer_sizes") == std::vector<std::int64_t>{784, 300, 300, 10});
  CHECK(root.dims("layers/0/W") == std::vector<hsize_t>{300, 784});
  CHECK(root.dims("layers/2/b") == std::vector<hsize_t>{10});
}

TEST_CASE("weights file: more than ten layers load in order", "[h5]") {
  ScratchDir dir;
  const std::string path = dir.file("deep.h5");
  std::mt19937 rng(7);
  const std::vector<int> sizes{5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 3};
  const ns::ModelWeights saved = random_model(sizes, rng);
  ns::save_weights(path, saved);
  const ns::ModelWeights loaded = ns::load_weights(path);
  REQUIRE(loaded.layers.size() == saved.layers.size());
  for (std::size_t l = 0; l < saved.layers.size(); ++l)
    CHECK(bit_equal(loaded.layers[l].w, saved.layers[l].w));
}

TEST_CASE("weights file errors name the file and the object", "[h5]") {
  ScratchDir dir;
  std::mt19937 rng(3);
  const Eigen::MatrixXf w0 = random_matrix(4, 3, rng), w1 = random_matrix(2, 4, rng);
  const Eigen::VectorXf b0 = random_matrix(4, 1, rng), b1 = random_matrix(2, 1, rng);

  SECTION("a hand-made file in the right layout loads") {
    const std::string path = dir.file("good.h5");
    write_weights_by_hand(path, {w0, w1}, {b0, b1}, {3, 4, 2});
    const ns::ModelWeights m = ns::load_weights(path);
    CHECK(m.activation == ns::Activation::Tanh);
    CHECK(m.noise_placement == ns::NoisePlacement::Before);
    CHECK(bit_equal(m.layers[1].w, w1));
  }
  SECTION("missing file") {
    const std::string path = dir.file("nowhere.h5");
    CHECK_THROWS_AS(ns::load_weights(path), ns::ArchiveError);
    CHECK_THROWS_WITH(ns::load_weights(path), Contains(path) && Contains("does not exist"));
  }
  SECTION("not an HDF5 file") {
    const std::string path = dir.file("weights.csv");
    std::ofstream(path) << "1,2,3\n";
    CHECK_THROWS_WITH(ns::load_weights(path), Contains(path) && Contains("not an HDF5 file"));
  }
  SECTION("an HDF5 file of another kind") {
    const std::string path = dir.file("other.h5");
    ns::h5::File::create(path).root().set_attr("format", "noisesweep-results");
    CHECK_THROWS_WITH(ns::load_weights(path), Contains(path) &&
                                                  Contains("not a noisesweep weights") &&
                                                  Contains("noisesweep-results"));
  }
  SECTION("W of the next layer does not chain") {
    const std::string path = dir.file("chain.h5");
    write_weights_by_hand(path, {w0, random_matrix(2, 5, rng)}, {b0, b1}, {3, 4, 2});
    CHECK_THROWS_AS(ns::load_weights(path), ns::ArchiveError);
    CHECK_THROWS_WITH(ns::load_weights(path), Contains(path) && Contains("/layers/1/W") &&
                                                  Contains("5 columns") && Contains("4 neurons"));
  }
  SECTION("bias length differs from W's rows") {
    const std::string path = dir.file("bias.h5");
    write_weights_by_hand(path, {w0, w1}, {b0, random_matrix(3, 1, rng)}, {3, 4, 2});
    CHECK_THROWS_WITH(ns::load_weights(path), Contains("/layers/1/b") && Contains("3 entries"));
  }
  SECTION("layer_sizes disagrees with the matrices") {
    const std::string path = dir.file("sizes.h5");
    write_weights_by_hand(path, {w0, w1}, {b0, b1}, {3, 4, 4, 2});
    CHECK_THROWS_WITH(ns::load_weights(path), Contains("layer_sizes") && Contains("[3, 4, 4, 2]"));
  }
  SECTION("no layers") {
    const std::string path = dir.file("empty.h5");
    write_weights_by_hand(path, {}, {}, {3});
    CHECK_THROWS_WITH(ns::load_weights(path),
                      Contains(path) && Contains("/layers") && Contains("no layers"));
  }
  SECTION("a missing attribute") {
    const std::string path = dir.file("noattr.h5");
    ns::h5::File file = ns::h5::File::create(path);
    file.root().set_attr("format", "noisesweep-weights");
    file.root().set_attr("format_version", 1);
    file.flush();
    CHECK_THROWS_WITH(ns::load_weights(path),
                      Contains(path) && Contains("no attribute 'activation'"));
  }
  SECTION("an attribute of the wrong type") {
    const std::string path = dir.file("wrongtype.h5");
    write_weights_by_hand(path, {w0}, {b0}, {3, 4});
    ns::h5::File::open_rw(path).root().set_attr("activation", 1.0);
    CHECK_THROWS_WITH(ns::load_weights(path),
                      Contains(path) && Contains("'activation'") && Contains("not string"));
  }
  SECTION("an unknown activation") {
    const std::string path = dir.file("act.h5");
    write_weights_by_hand(path, {w0}, {b0}, {3, 4});
    ns::h5::File::open_rw(path).root().set_attr("activation", "softsign");
    CHECK_THROWS_WITH(ns::load_weights(path), Contains("unknown activation 'softsign'"));
  }
  SECTION("saving refuses inconsistent shapes") {
    ns::ModelWeights bad;
    bad.layers = {{w0, b0}, {random_matrix(2, 5, rng), b1}};
    const std::string path = dir.file("bad.h5");
    CHECK_THROWS_WITH(ns::save_weights(path, bad), Contains(path) && Contains("/layers/1/W"));
    CHECK_FALSE(fs::exists(path));
  }
}

TEST_CASE("h5ls sees the weights file's layer datasets as (out, in)", "[h5]") {
  // A missing tool fails the test: a check that is skipped must not pass.
  if (std::system("command -v h5ls >/dev/null 2>&1") != 0)
    FAIL("h5ls is missing (hdf5-tools; framework/tools/install-deps.sh installs it)");
  ScratchDir dir;
  const std::string path = dir.file("weights.h5");
  const std::string listing = dir.file("listing.txt");
  std::mt19937 rng(1);
  ns::save_weights(path, random_model({8, 6, 3}, rng));
  REQUIRE(std::system(("h5ls -r '" + path + "' > '" + listing + "' 2>&1").c_str()) == 0);
  const std::string out = read_text(listing);
  INFO(out);
  CHECK_THAT(out, Contains("/layers/0/W") && Contains("Dataset {6, 8}"));
  CHECK_THAT(out, Contains("/layers/0/b") && Contains("Dataset {6}"));
  CHECK_THAT(out, Contains("/layers/1/W") && Contains("Dataset {3, 6}"));
  CHECK_THAT(out, Contains("/layers/1/b") && Contains("Dataset {3}"));
}
