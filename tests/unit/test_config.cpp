// Run files: defaults, every kind of bad input with the message a user sees, round trips.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "config/run_file.hpp"
#include "nonideality/registry.hpp"

using namespace ns;
using Catch::Matchers::Contains;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_run_text(text, "run.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("defaults are the reference's baseline", "[config]") {
  const RunConfig c = parse_run_text("", "run.toml").config;
  CHECK(c.model.hidden == std::vector<int>{300, 300});
  CHECK(c.model.activation == Activation::Sigmoid);
  CHECK(c.train.optimizer.kind == OptimizerKind::Adagrad);
  CHECK(c.train.optimizer.lr == 0.01);
  CHECK(c.train.batch_size == 128);
  CHECK(c.train.epochs == 70);
  REQUIRE(c.eval.levels.size() == 40);
  CHECK(c.eval.levels.front() == 1e-3);
  CHECK(c.eval.levels.back() == 1.0);
  // log-spaced: constant ratio between neighbours
  CHECK(c.eval.levels[1] / c.eval.levels[0] == Approx(std::pow(1000.0, 1.0 / 39)));
  CHECK(c.eval.repetitions == 3);
}

TEST_CASE("run files set nested and dotted keys", "[config]") {
  const RunConfig c = parse_run_text(R"(
seed = 7
model.hidden = [50, 40, 30]
[train]
optimizer = "sgd"
momentum = 0.9
noise = {AddCor = 0.2, MulUnc = 0.1}
[reg]
rowsum = [1, 2, 30]
l2_hidden = 0.5
[eval]
levels = [0.1, 1]
kinds = ["AddCor"]
)",
                                     "run.toml")
                          .config;
  CHECK(c.seed == 7);
  CHECK(c.model.hidden == std::vector<int>{50, 40, 30});
  CHECK(c.train.optimizer.kind == OptimizerKind::Sgd);
  CHECK(c.settings_of(find_nonideality("AddCor")).train == 0.2);
  CHECK(c.settings_of(find_nonideality("MulUnc")).train == 0.1);
  CHECK(c.trained_kinds() ==
        std::vector<NoiseKind>{find_nonideality("AddCor"), find_nonideality("MulUnc")});
  CHECK(c.reg.rowsum.values == std::vector<double>{1, 2, 30});
  CHECK(c.reg.l2_hidden.resolve(2, "x") == std::vector<double>{0.5, 0.5});
  CHECK(c.eval.levels == std::vector<double>{0.1, 1});
  CHECK(c.eval.kinds == std::vector<NoiseKind>{find_nonideality("AddCor")});
  CHECK(c.levels_of(find_nonideality("AddCor")) == std::vector<double>{0.1, 1});
}

TEST_CASE("bad run files give errors that name the key, its line and the problem", "[config]") {
  struct Bad {
    std::string text, expected;
  };
  const Bad table[] = {
      {"[reg]\nlamda = 0.1\n",
       "run.toml:2:1: 'reg.lamda': unknown setting; did you mean 'reg.lambda'?"},
      {"lr = 0.1\n", "'lr': unknown setting; did you mean 'train.lr'?"},
      {"[trian]\nepochs = 3\n", "did you mean 'train.epochs'?"},
      {"[train]\nepochs = \"ten\"\n",
       "run.toml:2:1: 'train.epochs': expected an integer, got a string"},
      {"[train]\nepochs = -1\n", "'train.epochs': must be an integer >= 0, got -1"},
      {"[train.noise]\nAddUnc = -0.1\n", "'train.noise.AddUnc': must be >= 0, got -0.1"},
      {"[model]\nhidden = []\n", "run.toml:2:1: 'model.hidden': the list is empty"},
      {"[model]\nactivation = \"sigmod\"\n", "unknown value 'sigmod'; expected one of 'sigmoid'"},
      {"[reg]\nrowsum = [1, 2, 3]\n",
       "'reg.rowsum': 3 weights given, but the model (hidden = 300, 300) has 2"},
      {"[train]\ninit_from = \"/no/such/weights.h5\"\n",
       "'train.init_from': file '/no/such/weights.h5' does not exist"},
      {"[eval]\nlevels = {from = 1, to = 0.1, count = 3}\n", "range runs backwards"},
      {"[eval]\nlevels = [0.1, -1]\n", "'eval.levels': must be > 0, got -1"},
      {"[eval]\nkinds = [\"AddCor\", \"AddCor\"]\n", "'AddCor' is listed twice"},
      // Nonidealities: unknown kinds, strengths and levels outside each kind's own range.
      {"[eval]\nkinds = [\"AddUnk\"]\n",
       "run.toml:2:1: 'eval.kinds': unknown nonideality 'AddUnk'; expected one of 'AddUnc', "},
      {"[train.noise]\nProgAdd = -0.1\n",
       "run.toml:2:1: 'train.noise.ProgAdd': must be >= 0, got -0.1"},
      {"[train.noise]\nADC = 40\n", "'train.noise.ADC': a bit count must be in [1, 24], got 40"},
      {"[eval.ADC]\nlevels = [0]\n",
       "run.toml:2:1: 'eval.ADC.levels': a bit count must be in [1, 24], got 0"},
      {"[eval.DAC]\nlevels = [4, 40]\n",
       "'eval.DAC.levels': a bit count must be in [1, 24], got 40"},
      {"[eval.ADC]\nlevels = [2.5]\n",
       "'eval.ADC.levels': a bit count must be an integer, got 2.5"},
      {"[eval.StuckOff]\nlevels = [0.1, 1.5]\n",
       "'eval.StuckOff.levels': a fraction of stuck weights must be in [0, 1], got 1.5"},
      {"[eval.ReadMul]\nlevels = [-0.1]\n",
       "'eval.ReadMul.levels': a relative standard deviation must be in (0, 10], got -0.1"},
      {"[eval.Drift]\nlevels = [10]\n",
       "run.toml:2:1: 'eval.Drift.levels': a time must be >= t0 = 20 s (noise.Drift.t0), got 10"},
      {"[eval.Drift]\nlevels = [50]\n[noise.Drift]\nt0 = 10\nnu_mean = -1\n",
       "run.toml:5:1: 'noise.Drift.nu_mean': must be >= 0, got -1"},
      {"[eval.Drift]\nlevels = [50]\n[noise.Drift]\nt0 = 100\n",
       "run.toml:4:1: 'noise.Drift.t0': eval.Drift.levels no longer hold: a time must be >= t0"},
      {"[noise.Drift]\nt0 = 0\n", "'noise.Drift.t0': must be >= 1e-300, got 0"},
      {"[noise.Drift]\ncompensation = 1\n", "'noise.Drift.compensation': expected true or false"},
      {"[noise.ADC]\nbits = 3\n", "'noise.ADC.bits': unknown setting"},
      {"[noise.ReadAdd]\nlayers = [0]\n", "'noise.ReadAdd.layers': must be an integer >= 1, got 0"},
      {"[noise.ReadAdd]\nlayers = [2, 4]\n",
       "run.toml:2:1: 'noise.ReadAdd.layers': layer 4 cannot carry ReadAdd: the model (hidden = "
       "300, 300) has 3 weight layers, and ReadAdd acts on layers 1..3"},
      {"[noise.AddUnc]\nlayers = [3]\n",
       "'noise.AddUnc.layers': layer 3 cannot carry AddUnc: the model (hidden = 300, 300) has 3 "
       "weight layers, and AddUnc acts on hidden layers 1..2"},
      {"[data]\nvalidation_fraction = 1.0\n", "must be below 1"},
      {"seed = 1\nseed = 2\n", "run.toml:2:8: not valid TOML"},
      {"[reg]\nsaturation_layers = [3]\n", "hidden layer 3 does not exist; the model has 2"},
      {"[data]\nclasses = 1\n", "run.toml:2:1: 'data.classes': must be an integer >= 2, got 1"},
      {"[data]\nclasses = 300\n",
       "'data.classes': 300 classes, but IDX labels are single bytes (at most 256)"},
      {"[data]\nname = \"synthetic\"\nclasses = 5\n",
       "'data.classes': 5 classes, but data.synthetic.classes = 4 generates 4"},
      // Checked before the levels are spaced out: 10^8 of them would take gigabytes.
      {"[eval]\nlevels = {from = 1e-3, to = 1, count = 100000000}\n",
       "'eval.levels': count = 100000000 is more levels than a run may have (1000000): the list "
       "and its text alone would take about 3.2 GB"},
  };
  for (const Bad& b : table) {
    INFO(b.text);
    CHECK_THAT(error_of(b.text), Contains(b.expected));
  }
}

TEST_CASE("a missing run file is a clear error", "[config]") {
  CHECK_THROWS_WITH(load_run_file("/no/such/run.toml"),
                    Contains("/no/such/run.toml") && Contains("cannot open"));
}

TEST_CASE("the resolved settings round-trip through their TOML form", "[config]") {
  RunFile run = parse_run_text(R"(
seed = 5
[model]
hidden = [20, 10]
activation = "photonic_sigmoid"
noise_placement = "before"
[train]
optimizer = "adam"
lr = 3e-4
[reg]
rowsum = [1, 30]
saturation = 1.28
l2_hidden = [0.015]
l2_output = 3.0
lambda = 6e-3
[eval]
levels = {from = 1e-3, to = 1, count = 7}
)",
                               "run.toml");
  const std::string text = to_toml(run.config);
  const RunConfig again = parse_run_text(text, "resolved.toml").config;
  CHECK(to_toml(again) == text);
  CHECK(again.train.optimizer.lr == 3e-4);
  CHECK(again.eval.levels == run.config.eval.levels);
  CHECK(again.model.noise_placement == NoisePlacement::Before);
}

TEST_CASE("data.classes is unset by default and then absent from the resolved settings",
          "[config]") {
  // Absent rather than printed as a number: the resolved settings of every existing task, and
  // so what archives record, stay as they were.
  CHECK(to_toml(RunConfig{}).find("data.classes") == std::string::npos);
  const RunConfig c = parse_run_text("[data]\nname = \"idx\"\nclasses = 11\n", "run.toml").config;
  CHECK(c.data.classes == 11);
  CHECK_THAT(to_toml(c), Contains("data.classes = 11\n"));
  CHECK(parse_run_text(to_toml(c), "resolved.toml").config.data.classes == 11);
  // Synthetic data may state its class count twice, if both agree.
  CHECK(parse_run_text("data.name = \"synthetic\"\ndata.classes = 4\n", "run.toml")
            .config.data.classes == 4);
}
