// Whole runs on synthetic data: learning, bitwise reproducibility, divergence, init_from.
#include <catch2/catch.hpp>
#include <filesystem>

#include "config/run_file.hpp"
#include "core/error.hpp"
#include "nonideality/registry.hpp"
#include "train/run.hpp"

using namespace ns;
using Catch::Matchers::Contains;

namespace {

RunConfig synthetic_run() {
  return parse_run_text(R"(
seed = 4
[data]
name = "synthetic"
synthetic = {samples = 1800, features = 16, classes = 4}
[model]
hidden = [24, 24]
[train]
epochs = 6
lr = 0.05
batch_size = 32
[eval]
levels = [0.01, 1.0]
repetitions = 2
)",
                        "test.toml")
      .config;
}

}  // namespace

TEST_CASE("a run learns the synthetic clusters", "[training]") {
  const RunResult r = execute_run(synthetic_run());
  REQUIRE(r.curve.size() == 6);
  CHECK(r.curve.back().loss < r.curve.front().loss);
  CHECK(r.clean_test_accuracy > 0.85);
  CHECK(r.noise.accuracy.size() == 4 * 2 * 2);
}

TEST_CASE("the same seed gives bitwise-identical weights and accuracies", "[training]") {
  RunConfig noisy = synthetic_run();
  noisy.settings_of(find_nonideality("AddUnc")).train = 0.05;
  noisy.settings_of(find_nonideality("MulCor")).train = 0.05;
  const RunResult a = execute_run(noisy);
  const RunResult b = execute_run(noisy);
  CHECK(a.params.flat() == b.params.flat());
  CHECK(a.noise.accuracy == b.noise.accuracy);
  CHECK(a.clean_test_accuracy == b.clean_test_accuracy);
  RunConfig other = noisy;
  other.seed = 5;
  CHECK(execute_run(other).params.flat() != a.params.flat());
}

TEST_CASE("the fixed sample order differs from shuffling and is reproducible", "[training]") {
  const RunResult shuffled = execute_run(synthetic_run());
  RunConfig fixed = synthetic_run();
  fixed.train.shuffle = false;
  const RunResult fixed1 = execute_run(fixed);
  const RunResult fixed2 = execute_run(fixed);
  CHECK(fixed1.params.flat() == fixed2.params.flat());
  CHECK(fixed1.params.flat() != shuffled.params.flat());
}

TEST_CASE("a diverging run stops with the epoch and batch", "[training]") {
  RunConfig c = synthetic_run();
  c.model.activation = Activation::Relu;
  c.train.optimizer = {.kind = OptimizerKind::Sgd, .lr = 1e30};
  CHECK_THROWS_AS(execute_run(c), DivergenceError);
  CHECK_THROWS_WITH(execute_run(c), Contains("diverged at epoch 1, batch"));
}

TEST_CASE("init_from restarts from saved weights exactly", "[training]") {
  const auto path = std::filesystem::temp_directory_path() / "noisesweep-init-from-test.h5";
  const RunConfig first = synthetic_run();
  const RunResult trained = execute_run(first);
  save_weights(path.string(), to_weights(trained.params, to_toml(first)));

  RunConfig again = synthetic_run();
  again.train.init_from = path.string();
  again.train.epochs = 0;
  const RunResult reloaded = execute_run(again);
  CHECK(reloaded.params.flat() == trained.params.flat());
  CHECK(reloaded.clean_test_accuracy == trained.clean_test_accuracy);

  RunConfig wrong = synthetic_run();
  wrong.model.hidden = {24};
  wrong.train.init_from = path.string();
  CHECK_THROWS_WITH(execute_run(wrong), Contains("16-24-24-4") && Contains("16-24-4"));
  std::filesystem::remove(path);
}
