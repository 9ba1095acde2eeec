// Study files: expansion, seeds, ids, dependencies, every kind of bad input with the message a
// user sees, and the cost plan.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "config/run_file.hpp"
#include "config/settings.hpp"
#include "nonideality/registry.hpp"
#include "study/grid.hpp"
#include "study/plan.hpp"
#include "study/study.hpp"
#include "study/task_id.hpp"

using namespace ns;
using Catch::Matchers::Contains;

namespace {

// The studies/ folder of the source tree (the test data folder is tests/data).
std::string studies_dir() {
  return (std::filesystem::path(NOISESWEEP_TEST_DATA_DIR).parent_path().parent_path() / "studies")
      .string();
}

Study parse(const std::string& text) {
  return parse_study_text(text, "study.toml");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

std::string axis(const Task& t, const std::string& key) {
  for (const auto& [k, v] : t.axes)
    if (k == key) return v;
  return "(none)";
}

// The README's example: a baseline over seeds and separations, and a row-sum stage over
// lambdas and two explicit variants.
const char* kExample = R"(
name = "example"
seed = 1
[defaults]
data.name = "synthetic"
train.epochs = 5
[[stage]]
name = "baseline"
[stage.settings]
train.lr = 0.05
[stage.grid]
seed = {replicates = 2}
"data.synthetic.separation" = [2.0, 3.0]
[[stage]]
name = "rowsum"
init_from = "baseline"
[stage.settings]
train.lr = 1e-3
[stage.grid]
seed = {replicates = 2}
"reg.lambda" = [1e-3, 1e-2]
[[stage.variants]]
"reg.rowsum" = [1, 30]
[[stage.variants]]
"reg.rowsum" = [0, 30]
)";

}  // namespace

TEST_CASE("a study expands stage by stage, variant-major, grid in row-major order", "[study]") {
  const Study s = parse(kExample);
  CHECK(s.name == "example");
  CHECK(s.stages == std::vector<std::string>{"baseline", "rowsum"});
  CHECK(s.axis_keys ==
        std::vector<std::string>{"seed", "data.synthetic.separation", "reg.lambda", "reg.rowsum"});
  REQUIRE(s.tasks.size() == 4 + 8);
  for (std::size_t i = 0; i < s.tasks.size(); ++i) CHECK(s.tasks[i].index == int(i));

  // Baseline: seed (written first) varies slowest.
  const char* baseline[][2] = {{"0", "2"}, {"0", "3"}, {"1", "2"}, {"1", "3"}};
  for (int i = 0; i < 4; ++i) {
    const Task& t = s.tasks[i];
    CHECK(t.stage == "baseline");
    CHECK(t.axes.size() == 2);
    CHECK(axis(t, "seed") == baseline[i][0]);
    CHECK(axis(t, "data.synthetic.separation") == baseline[i][1]);
    CHECK(t.config.train.optimizer.lr == 0.05);
    CHECK(t.config.train.epochs == 5);
  }
  // Row sums: variants outermost, then seed, then lambda.
  const char* rowsum[][3] = {{"[1, 30]", "0", "0.001"}, {"[1, 30]", "0", "0.01"},
                             {"[1, 30]", "1", "0.001"}, {"[1, 30]", "1", "0.01"},
                             {"[0, 30]", "0", "0.001"}, {"[0, 30]", "0", "0.01"},
                             {"[0, 30]", "1", "0.001"}, {"[0, 30]", "1", "0.01"}};
  for (int i = 0; i < 8; ++i) {
    const Task& t = s.tasks[4 + i];
    INFO("task " << t.index);
    CHECK(t.stage == "rowsum");
    REQUIRE(t.axes.size() == 3);
    CHECK(t.axes[0] == std::pair<std::string, std::string>{"seed", rowsum[i][1]});
    CHECK(t.axes[1] == std::pair<std::string, std::string>{"reg.lambda", rowsum[i][2]});
    CHECK(t.axes[2] == std::pair<std::string, std::string>{"reg.rowsum", rowsum[i][0]});
    CHECK(t.config.train.optimizer.lr == 1e-3);
    CHECK(t.config.train.init_from.empty());
  }
}

TEST_CASE("task seeds derive from the study seed and the seed axis", "[study]") {
  const Study s = parse(kExample);
  const Study again = parse(kExample);
  std::set<std::uint64_t> seeds;
  for (const Task& t : s.tasks) {
    CHECK(t.config.seed == derive_seed(1, t.replicate));
    CHECK(t.config.seed < (std::uint64_t(1) << 62));  // a TOML integer
    CHECK(t.config.seed == again.tasks[t.index].config.seed);
    seeds.insert(t.config.seed);
    // A fine-tuned task shares its baseline's seed, so its data split and noise draws.
    if (t.parent) CHECK(t.config.seed == s.tasks[*t.parent].config.seed);
  }
  CHECK(seeds.size() == 2);  // one per replicate
  CHECK(derive_seed(1, 0) != derive_seed(2, 0));
  CHECK(derive_seed(1, 0) != derive_seed(0, 1));

  SECTION("a list of seeds, and no seed axis at all") {
    const Study listed = parse("name = \"s\"\nseed = 4\n[grid]\nseed = [5, 9]\n");
    REQUIRE(listed.tasks.size() == 2);
    CHECK(listed.tasks[1].replicate == 9);
    CHECK(listed.tasks[1].config.seed == derive_seed(4, 9));
    CHECK(axis(listed.tasks[1], "seed") == "9");
    const Study single = parse("name = \"s\"\nseed = 4\n");
    REQUIRE(single.tasks.size() == 1);
    CHECK(single.stages == std::vector<std::string>{"main"});
    CHECK(single.tasks[0].config.seed == derive_seed(4, 0));
    CHECK(single.tasks[0].axes.empty());
  }
}

TEST_CASE("task ids are content hashes: stable, distinct, and naming the parent", "[study]") {
  CHECK(hash_hex("abc").size() == 32);
  CHECK(hash_hex("abc") == hash_hex("abc"));
  CHECK(hash_hex("abc") != hash_hex("abd"));
  // Pinned: archives written by older builds must keep finding their tasks.
  CHECK(hash_hex("") == "cbf29ce484222325a8871e3718ca0053");

  const Study s = parse(kExample);
  const Study again = parse(kExample);
  std::set<std::string> ids;
  for (const Task& t : s.tasks) {
    CHECK(t.id.size() == 32);
    CHECK(t.id.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(t.id == again.tasks[t.index].id);
    CHECK(t.id == task_id(t.stage, t.config, t.parent ? s.tasks[*t.parent].id : ""));
    ids.insert(t.id);
    if (t.parent)
      CHECK_THAT(settings_text(s, t),
                 Contains(fmt::format("train.init_from = \"task:{}\"", s.tasks[*t.parent].id)));
    else
      CHECK_THAT(settings_text(s, t), !Contains("init_from"));
  }
  CHECK(ids.size() == s.tasks.size());
  CHECK(s.hash == hash_hex(s.text));

  // A changed baseline changes its children's ids too.
  std::string changed = kExample;
  changed.replace(changed.find("train.lr = 0.05"), 15, "train.lr = 0.06");
  const Study other = parse(changed);
  for (const Task& t : other.tasks) CHECK(t.id != s.tasks[t.index].id);
}

TEST_CASE("task ids depend on what changes the computation, not on how it is written", "[study]") {
  // At the scheme's frozen defaults nothing is part of the id: a setting added by a later
  // release, at a default that keeps the old behaviour, adds nothing either.
  CHECK(identity_text(RunConfig{}).empty());
  RunConfig cfg;
  cfg.train.optimizer.lr = 0.05;
  cfg.eval.chunk = 17;  // memory only
  CHECK(identity_text(cfg) == "train.lr = 0.05\n");

  // Writing a default out changes no id; changing a value, the stage or the parent does.
  const std::string implicit = kExample;
  std::string explicit_defaults = kExample;
  explicit_defaults.replace(
      explicit_defaults.find("[defaults]"), 10,
      "[defaults]\ntrain.batch_size = 128\neval.chunk = 99\ndata.dir = \"data\"");
  const Study a = parse(implicit), b = parse(explicit_defaults);
  REQUIRE(a.tasks.size() == b.tasks.size());
  for (const Task& t : a.tasks) CHECK(t.id == b.tasks[t.index].id);
  CHECK(task_id("x", cfg, "") != task_id("y", cfg, ""));
  CHECK(task_id("x", cfg, "") != task_id("x", cfg, a.tasks[0].id));

  // Pinned: archives written with scheme 1 must keep finding their tasks in every release.
  CHECK(task_id("baseline", RunConfig{}, "") == "c9db40ca3eaaffa3a9e4d5f7e6864075");
  CHECK(task_id("rowsum", cfg, "c9db40ca3eaaffa3a9e4d5f7e6864075") ==
        "c2b3c6dc246a2ab46473a75888f727ba");
}

TEST_CASE("scheme-0 task ids are those of the releases before scheme 1", "[study]") {
  // Scheme 0 hashed the stage and every setting as that release printed them (to_toml), and
  // the parent's scheme-0 id: an independent computation of it from the tasks' settings.
  const Study s = parse(kExample);
  const std::vector<std::string> old_ids = scheme0_task_ids(s);
  // The nonidealities' settings came after scheme 0: every setting of a kind other than the
  // paper's four, and eval.KIND.* and noise.KIND.* of all kinds.
  const std::regex newer(
      R"(^(train\.noise\.(?!(AddUnc|AddCor|MulUnc|MulCor) )|eval\.[A-Z]|noise\.).*\n)");
  for (const Task& t : s.tasks) {
    std::string text;
    std::istringstream lines(to_toml(t.config));
    for (std::string line; std::getline(lines, line);) {
      // Those releases' default block size was 2000 (a setting that changes no result).
      if (line == fmt::format("eval.chunk = {}", RunConfig{}.eval.chunk))
        line = "eval.chunk = 2000";
      if (!std::regex_match(line + "\n", newer)) text += line + "\n";
    }
    if (t.parent) text += fmt::format("train.init_from = \"task:{}\"\n", old_ids[*t.parent]);
    CHECK(old_ids[t.index] == hash_hex(t.stage + "\n" + text));
    CHECK(old_ids[t.index] != t.id);
  }
}

TEST_CASE("dependent tasks start from the baseline task with the same swept values", "[study]") {
  SECTION("each child finds its own parent among several") {
    const Study s = parse(kExample);
    // The row-sum stage fixes the separation at its default (3), so its parents are the
    // separation-3 baselines of the same replicate: tasks 1 (seed 0) and 3 (seed 1).
    for (int i = 4; i < 12; ++i) {
      const Task& t = s.tasks[i];
      REQUIRE(t.parent);
      CHECK(*t.parent == (axis(t, "seed") == "0" ? 1 : 3));
    }
  }
  SECTION("several children share a parent when the parent stage sweeps less") {
    const Study s = parse(R"(
name = "s"
[[stage]]
name = "base"
[[stage]]
name = "ft"
init_from = "base"
[stage.grid]
seed = {replicates = 3}
"reg.lambda" = [0.1, 0.2]
)");
    REQUIRE(s.tasks.size() == 7);
    for (int i = 1; i < 7; ++i) CHECK(s.tasks[i].parent == 0);
  }
  SECTION("a task that matches no parent is an error naming the difference") {
    CHECK_THAT(error_of(R"(
name = "s"
[[stage]]
name = "base"
[stage.grid]
"data.synthetic.separation" = [2.0, 3.0]
[[stage]]
name = "ft"
init_from = "base"
[stage.grid]
"data.synthetic.separation" = [3.0, 4.0]
)"),
               Contains("study.toml:9:1: 'init_from': stage 'ft': task 3 "
                        "(data.synthetic.separation = 4) matches no task of stage 'base' "
                        "(differs in data.synthetic.separation = 4 here; 'base' has 2, 3)"));
  }
  SECTION("the shipped studies link every fine-tuning to a baseline of the same replicate") {
    for (const char* name : {"test-small.toml", "quickstart.toml"}) {
      const Study s = load_study(studies_dir() + "/" + name);
      for (const Task& t : s.tasks) {
        if (t.stage == "baseline") {
          CHECK(!t.parent);
          continue;
        }
        REQUIRE(t.parent);
        CHECK(s.tasks[*t.parent].stage == "baseline");
        CHECK(s.tasks[*t.parent].replicate == t.replicate);
        CHECK(*t.parent < t.index);
      }
    }
  }
}

TEST_CASE("trained weights are kept for the tasks later stages need, or for all", "[study]") {
  const Study needed = parse(kExample);
  for (const Task& t : needed.tasks) CHECK(t.store_weights == (t.index == 1 || t.index == 3));
  std::string all = kExample;
  all.insert(all.find("[[stage]]"), "[archive]\nweights = \"all\"\n");
  for (const Task& t : parse(all).tasks) CHECK(t.store_weights);
}

TEST_CASE("grid axes may be written as nested tables, and list-valued keys take lists of lists",
          "[study]") {
  const Study nested = parse(R"(
name = "s"
[grid.reg]
rowsum = [[1, 30], 0.5]
[grid.model]
hidden = [[10, 10], [20, 20]]
)");
  REQUIRE(nested.tasks.size() == 4);
  CHECK(nested.axis_keys == std::vector<std::string>{"reg.rowsum", "model.hidden"});
  CHECK(axis(nested.tasks[1], "model.hidden") == "[20, 20]");
  CHECK(axis(nested.tasks[2], "reg.rowsum") == "0.5");
  CHECK(nested.tasks[2].config.reg.rowsum.broadcast);

  // Which keys take a list as one value comes from the schema.
  std::set<std::string> list_valued;
  for (const Setting& s : all_settings())
    if (value_is_list(s.key)) list_valued.insert(std::string(s.key));
  std::set<std::string> expected{"model.hidden",  "reg.rowsum", "reg.saturation_layers",
                                 "reg.l2_hidden", "eval.kinds", "eval.levels"};
  for (NoiseKind k : all_nonidealities()) {
    expected.insert(fmt::format("eval.{}.levels", k->name));
    expected.insert(fmt::format("noise.{}.layers", k->name));
  }
  CHECK(list_valued == expected);
}

TEST_CASE("the shipped studies parse", "[study]") {
  const Study small = load_study(studies_dir() + "/test-small.toml");
  CHECK(small.name == "test-small");
  CHECK(small.tasks.size() == 16);
  CHECK(small.stages == std::vector<std::string>{"baseline", "rowsum", "rowsum-layers"});
  for (const Task& t : small.tasks) {
    CHECK(t.config.data.name == "synthetic");
    CHECK(t.config.model.hidden == std::vector<int>{24, 24});
    CHECK(t.config.eval.levels.size() == 3);
  }
  const Study quick = load_study(studies_dir() + "/quickstart.toml");
  CHECK(quick.name == "quickstart");
  CHECK(quick.tasks.size() == 9);  // 3 replicates x (baseline, rowsum, uncorrelated)
  CHECK(quick.tasks[0].config.data.name == "mnist");
  CHECK(quick.tasks[0].config.eval.levels.size() == 10);
  CHECK_THROWS_WITH(load_study("/no/such/study.toml"),
                    Contains("/no/such/study.toml") && Contains("cannot open"));
}

TEST_CASE("every shipped study parses, and the paper's encode its protocol", "[study]") {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(studies_dir())) {
    if (entry.path().extension() != ".toml") continue;
    INFO(entry.path().string());
    const Study study = load_study(entry.path().string());
    CHECK(!study.tasks.empty());
    ++count;
  }
  CHECK(count >= 5);

  // METHOD.md: at least 5 seeds; 40 variances from 1e-3 to 1; 3 repetitions; 4 kinds; the
  // baseline, fine-tuned stages, and every regulariser term switched off alone.
  for (const char* name : {"paper-mnist", "paper-fashion"}) {
    INFO(name);
    const Study study = load_study(fmt::format("{}/{}.toml", studies_dir(), name));
    CHECK(study.stages ==
          std::vector<std::string>{"baseline", "rowsum", "uncorrelated", "both", "noise-aware"});
    std::set<std::uint64_t> seeds;
    std::set<std::string> both_labels;
    for (const Task& t : study.tasks) {
      seeds.insert(t.replicate);
      const EvalConfig& e = t.config.eval;
      CHECK(e.levels.size() == 40);
      CHECK(e.levels.front() == Approx(1e-3));
      CHECK(e.levels.back() == Approx(1.0));
      CHECK(e.repetitions == 3);
      CHECK(e.kinds.size() == 4);
      CHECK(t.config.model.hidden == std::vector<int>{300, 300});
      CHECK((t.stage == "baseline") == !t.parent.has_value());
      if (t.stage != "both") continue;
      // Which of the five terms this variant switches off, named as its label says.
      const RegConfig& r = t.config.reg;
      REQUIRE(r.rowsum.values.size() == 2);
      REQUIRE(r.l2_hidden.values.size() == 1);
      std::vector<std::string> off;
      if (r.rowsum.values[0] == 0) off.push_back("no row sums, hidden 2");
      if (r.rowsum.values[1] == 0) off.push_back("no row sums, output");
      if (r.saturation == 0) off.push_back("no saturation");
      if (r.l2_hidden.values[0] == 0) off.push_back("no L2, hidden 2");
      if (r.l2_output == 0) off.push_back("no L2, output");
      CHECK(off.size() <= 1);
      CHECK(t.label == (off.empty() ? "all terms" : off.front()));
      both_labels.insert(t.label);
    }
    CHECK(seeds.size() >= 5);
    CHECK(both_labels.size() == 6);  // all terms, and each of the five off alone
  }
}

TEST_CASE("bad study files give errors that name the place, the key and the problem", "[study]") {
  struct Bad {
    std::string text, expected;
  };
  const std::string two_stages = "name = \"s\"\n[[stage]]\nname = \"a\"\n[[stage]]\nname = \"b\"\n";
  const Bad table[] = {
      {"name = \"x\"\nname = \"y\"\n", "study.toml:2:8: not valid TOML"},
      {"seed = 1\n", "study.toml: 'name': the study needs a name"},
      {"name = \"my study\"\n", "study.toml:1:1: 'name': 'my study' is not a valid name"},
      {"name = \"..\"\n", "study.toml:1:1: 'name': '..' is not a valid name: start with a letter"},
      {"name = \".\"\n", "study.toml:1:1: 'name': '.' is not a valid name"},
      {"name = \"-o\"\n", "study.toml:1:1: 'name': '-o' is not a valid name"},
      {"name = \"s\"\nstages = 1\n",
       "study.toml:2:1: 'stages': unknown study key; did you mean 'stage'?"},
      {"name = \"s\"\n[train]\nlr = 0.1\n",
       "study.toml:2:2: 'train': unknown study key; run settings go in [defaults]"},
      {"name = \"s\"\ndata.name = \"mnist\"\n",
       "study.toml:2:1: 'data': unknown study key; run settings go in [defaults]"},
      {"name = \"s\"\nseed = -1\n",
       "study.toml:2:1: 'seed': the study seed must be an integer >= 0, got -1"},
      {"name = \"s\"\n[defaults]\ntrain.epochs = \"ten\"\n",
       "study.toml:3:7: 'train.epochs': expected an integer, got a string"},
      {"name = \"s\"\n[defaults]\nseed = 3\n",
       "study.toml:3:1: 'seed': a study derives each task's seed"},
      {"name = \"s\"\n[archive]\nweights = \"some\"\n",
       "study.toml:3:1: 'archive.weights': expected \"needed\" (the weights later stages start "
       "from) or \"all\", got 'some'"},
      // Grids and variants
      {"name = \"s\"\n[grid]\n\"reg.lambda\" = []\n",
       "study.toml:3:1: 'reg.lambda': the grid axis is empty"},
      {"name = \"s\"\n[grid]\n\"reg.lamda\" = [1]\n",
       "study.toml:3:1: 'reg.lamda': unknown setting; did you mean 'reg.lambda'?"},
      {"name = \"s\"\n[grid]\n\"train.lr\" = 0.1\n",
       "study.toml:3:1: 'train.lr': a grid axis is a list of values, e.g. [0.1, 0.01]; for one "
       "value, put it in [defaults]"},
      {"name = \"s\"\n[grid]\n\"train.lr\" = [0.1, \"fast\"]\n",
       "study.toml:3:20: 'train.lr': expected a number, got a string"},
      {"name = \"s\"\n[grid]\n\"reg.rowsum\" = [1, 30]\n",
       "study.toml:3:1: 'reg.rowsum': an axis is a list of values, and one value of this key is "
       "itself a list"},
      {"name = \"s\"\n[[stage]]\nname = \"a\"\n[stage.grid]\nmodel.hidden = [100, 100]\n",
       "for one value, put it in [stage.settings]"},
      {"name = \"s\"\n[grid]\nseed = {replicates = 0}\n",
       "study.toml:3:22: 'seed': replicates must be an integer >= 1, got 0"},
      {"name = \"s\"\n[grid]\nseed = {replicates = 2000000}\n",
       "study.toml:3:22: 'seed': 2000000 replicates is more than a stage may have"},
      {"name = \"s\"\n[grid]\nseed = {replicates = 1000000}\n\"reg.lambda\" = [1, 2]\n",
       "study.toml:2:2: stage 'main' has 2000000 tasks, more than a stage may have"},
      {"name = \"s\"\n[grid]\nseed = {replicate = 2}\n",
       "study.toml:3:9: 'seed': unknown field 'replicate'"},
      {"name = \"s\"\n[grid]\nseed = [1, -2]\n",
       "study.toml:3:12: 'seed': a seed must be an integer >= 0, got -2"},
      {"name = \"s\"\n[grid]\n\"reg.lambda\" = [1]\n[grid.reg]\nlambda = [2]\n",
       "study.toml:5:1: 'reg.lambda': swept twice in the same grid (also at line 3)"},
      {"name = \"s\"\n[grid]\n\"reg.lambda\" = [0.01, 1e-2]\n",
       "study.toml:2:2: stage 'main': tasks 0 and 1 are the same run (reg.lambda = 0.01)"},
      {"name = \"s\"\n[[variants]]\nseed = 2\n", "study.toml:3:1: 'seed': a study derives"},
      {"name = \"s\"\nvariants = [1]\n",
       "study.toml:2:13: 'variants': expected a table ([[variants]]), got an integer"},
      // Stages
      {"name = \"s\"\n[stage]\nname = \"a\"\n",
       "study.toml:2:2: 'stage': expected one or more stages, each written as a [[stage]] table"},
      {"name = \"s\"\n[[stage]]\ninit_from = \"x\"\n",
       "study.toml:2:1: 'name': stage 1 has no name"},
      {"name = \"s\"\n[[stage]]\nname = \"a\"\n[[stage]]\nname = \"a\"\n",
       "study.toml:5:1: 'name': a stage named 'a' already exists (line 3)"},
      {"name = \"s\"\n[[stage]]\nname = \"a\"\nlr = 0.1\n",
       "study.toml:4:1: 'lr': unknown stage key; run settings go in [stage.settings] (did you "
       "mean 'train.lr'?)"},
      {"name = \"s\"\n[[stage]]\nname = \"a\"\nsetings = {}\n",
       "study.toml:4:1: 'setings': unknown stage key; did you mean 'settings'?"},
      {"name = \"s\"\n[[stage]]\nname = \"a\"\n[stage.settings]\ntrain.lrr = 0.1\n",
       "study.toml:5:7: 'train.lrr': unknown setting; did you mean 'train.lr'?"},
      {"name = \"s\"\n[grid]\n\"train.lr\" = [0.1]\n[[stage]]\nname = \"a\"\n",
       "study.toml:2:2: 'grid': this study has [[stage]] sections"},
      {"name = \"s\"\n[[stage]]\nname = \"a\"\n[stage.settings]\nreg.lambda = 1\n[stage.grid]\n"
       "reg.lambda = [1, 2]\n",
       "study.toml:7:5: 'reg.lambda': set in [stage.settings] (line 5) and swept in "
       "[stage.grid]; keep one"},
      {"name = \"s\"\n[[stage]]\nname = \"a\"\n[stage.grid]\n\"reg.lambda\" = [1]\n"
       "[[stage.variants]]\nreg.lambda = 2\n",
       "study.toml:5:1: 'reg.lambda': set by a variant (line 7) and swept in [stage.grid]"},
      // Dependencies
      {"name = \"s\"\n[[stage]]\nname = \"a\"\ninit_from = \"a\"\n",
       "study.toml:4:1: 'init_from': stage 'a' cannot start from itself"},
      {two_stages + "init_from = \"c\"\n",
       "study.toml:6:1: 'init_from': no stage named 'c'; earlier stages: a"},
      {"name = \"s\"\n[[stage]]\nname = \"a\"\ninit_from = \"b\"\n[[stage]]\nname = \"b\"\n",
       "study.toml:4:1: 'init_from': stage 'b' comes after stage 'a'"},
      {two_stages + "init_from = \"a\"\n[stage.settings]\nmodel.hidden = [10]\n",
       "study.toml:6:1: 'init_from': stage 'b': task 1 starts from task 0 of stage 'a', whose "
       "network differs: model.hidden = [10] here, [300, 300] there"},
      {two_stages + "init_from = \"a\"\n[stage.settings]\ndata.name = \"synthetic\"\n",
       "the data has 20 inputs and 4 classes here, 784 and 10 there"},
      {two_stages + "init_from = \"a\"\n[stage.settings]\ntrain.init_from = \"w.h5\"\n",
       "study.toml:8:7: 'train.init_from': stage 'b' starts from stage 'a' (its init_from), so "
       "it cannot also start from a file"},
      // Checks across settings (the run files' validate), with the task they concern
      {"name = \"s\"\n[defaults]\nmodel.hidden = [10]\n[grid]\n\"reg.rowsum\" = [[1, 30]]\n",
       "study.toml:5:17: 'reg.rowsum': 2 weights given, but the model (hidden = 10) has 1 "
       "receiving layers (hidden 2.., output) (stage 'main', task with reg.rowsum = [1, 30])"},
      {"name = \"s\"\n[defaults]\ntrain.init_from = \"/no/such/w.h5\"\n",
       "study.toml:3:7: 'train.init_from': file '/no/such/w.h5' does not exist"},
  };
  for (const Bad& b : table) {
    INFO(b.text);
    CHECK_THAT(error_of(b.text), Contains(b.expected));
  }
}

TEST_CASE("variant labels name tasks without changing what they compute", "[study]") {
  const std::string unlabelled = R"(
name = "s"
[defaults]
data.name = "synthetic"
[[stage]]
name = "base"
[stage.grid]
seed = {replicates = 2}
[[stage.variants]]
reg.rowsum = [1, 0]
[[stage.variants]]
reg.rowsum = [0, 30]
[[stage]]
name = "tune"
init_from = "base"
[stage.settings]
reg.rowsum = [1, 0]
[stage.grid]
seed = {replicates = 2}
)";
  std::string labelled = unlabelled;
  labelled.replace(labelled.find("reg.rowsum = [1, 0]"), 0, "label = \"hidden only\"\n");
  labelled.replace(labelled.find("reg.rowsum = [0, 30]"), 0, "label = \"output only\"\n");
  const Study plain = parse(unlabelled), named = parse(labelled);
  REQUIRE(named.tasks.size() == 6);
  CHECK(named.axis_keys == std::vector<std::string>{"seed", "label", "reg.rowsum"});
  CHECK(plain.axis_keys == std::vector<std::string>{"seed", "reg.rowsum"});
  const char* expected_labels[] = {
      "hidden only", "hidden only", "output only", "output only", "", ""};
  for (const Task& t : named.tasks) {
    INFO("task " << t.index);
    CHECK(t.label == expected_labels[t.index]);
    // Same ids, settings and parents as without labels: a label is a name, not a setting.
    CHECK(t.id == plain.tasks[t.index].id);
    CHECK(settings_text(named, t) == settings_text(plain, plain.tasks[t.index]));
    CHECK_THAT(settings_text(named, t), !Contains("label"));
    CHECK(t.parent == plain.tasks[t.index].parent);
  }
  CHECK(axis(named.tasks[2], "label") == "\"output only\"");
  CHECK(axis(named.tasks[2], "reg.rowsum") == "[0, 30]");
  CHECK(axis(named.tasks[4], "label") == "(none)");  // stage "tune" has no variants
  // "tune" finds its parent by seed and settings: the "hidden only" task of its replicate.
  CHECK(named.tasks[4].parent == 0);
  CHECK(named.tasks[5].parent == 1);

  const std::string head = "name = \"s\"\n[defaults]\ndata.name = \"synthetic\"\n";
  struct Bad {
    std::string text, expected;
  };
  const Bad table[] = {
      {head + "[[variants]]\nlabel = 3\n",
       "study.toml:5:1: 'label': expected a string, got an integer"},
      {head + "[[variants]]\nlabel = \"\"\n", "study.toml:5:1: 'label': '' is not a usable label"},
      {head + "[[variants]]\nlabel = \"say \\\"hi\\\"\"\n",
       "is not a usable label: write 1 to 40 characters"},
      {head + "[[variants]]\nlabel = \"" + std::string(41, 'x') + "\"\n", "is not a usable label"},
      {head + "[[variants]]\nlabel = \"a\"\ntrain.lr = 0.1\n[[variants]]\ntrain.lr = 0.2\n",
       "study.toml:5:1: 'label': stage 'main': variant 1 has a label but variant 2 has none; label "
       "every [[variants]] of the stage, or none"},
      {head + "[[variants]]\nlabel = \"a\"\ntrain.lr = 0.1\n[[variants]]\nlabel = \"a\"\ntrain.lr "
              "= 0.2\n",
       "study.toml:8:1: 'label': stage 'main': variants 1 and 2 are both labelled 'a'"},
      // Two labels on the same settings are still the same run.
      {head + "[[variants]]\nlabel = \"a\"\ntrain.lr = 0.1\n[[variants]]\nlabel = \"b\"\ntrain.lr "
              "= 0.1\n",
       "stage 'main': tasks 0 and 1 are the same run"},
      // A label names a variant; elsewhere it is an unknown key.
      {"name = \"s\"\nlabel = \"x\"\n", "study.toml:2:1: 'label': unknown study key"},
      {head + "label = \"x\"\n", "study.toml:4:1: 'label': unknown setting"},
      {head + "[grid]\nlabel = [\"a\", \"b\"]\n", "'label'"},
  };
  for (const Bad& b : table) {
    INFO(b.text);
    CHECK_THAT(error_of(b.text), Contains(b.expected));
  }
}

TEST_CASE("the plan counts FLOPs from the architecture and the data's shape", "[study]") {
  RunConfig paper;  // 784-300-300-10 on MNIST, 70 epochs, 4 kinds x 40 levels x 3 repetitions
  const double macs = 784 * 300 + 300 * 300 + 300 * 10, first = 784 * 300;
  const TaskCost cost = estimate_cost(paper);
  CHECK(cost.train_flops ==
        Approx(70 * (48000 * 2 * (3 * macs - first) + 12000 * 2 * macs)).epsilon(1e-12));
  CHECK(cost.eval_flops == Approx(10000 * 2 * (macs + 4 * 40 * 3 * (macs - first))).epsilon(1e-12));
  CHECK(cost.guess.empty());

  RunConfig synthetic;
  synthetic.data.name = "synthetic";  // 3000 samples: 500 test, 2500 to split 2000 / 500
  synthetic.data.limit_test = 100;
  synthetic.model.hidden = {8};
  synthetic.train.epochs = 1;
  synthetic.eval.kinds = {find_nonideality("AddUnc")};
  synthetic.eval.levels = {0.1, 1};
  synthetic.eval.repetitions = 2;
  const double m = 20 * 8 + 8 * 4, f = 20 * 8;
  CHECK(estimate_cost(synthetic).train_flops == Approx(2000 * 2 * (3 * m - f) + 500 * 2 * m));
  CHECK(estimate_cost(synthetic).eval_flops == Approx(100 * 2 * (m + 4 * (m - f))));

  RunConfig idx;
  idx.data.name = "idx";
  idx.data.dir = "/no/such/dir";
  CHECK_THAT(estimate_cost(idx).guess, Contains("/no/such/dir") && Contains("assumed MNIST"));
}

TEST_CASE("the plan lists tasks, stages and the total cost", "[study]") {
  const Study s = parse(kExample);
  const std::string plan = format_plan(s, 50.0, 5);
  CHECK_THAT(plan, Contains("study 'example'") && Contains("12 tasks in 2 stages"));
  CHECK_THAT(plan, Contains(s.tasks[4].id.substr(0, 8)));
  CHECK_THAT(plan, !Contains(s.tasks[5].id.substr(0, 8)));
  CHECK_THAT(plan, Contains("... 7 more tasks"));
  CHECK_THAT(plan, Contains("reg.rowsum") && Contains("[1, 30]"));
  CHECK_THAT(plan, Contains("rowsum") && Contains("baseline"));
  CHECK_THAT(plan, Contains("total") && Contains("at 50 GFLOP/s per core"));
  CHECK_THAT(format_plan(s, 50.0), !Contains("more tasks"));
}

TEST_CASE("archive.stats switches the network statistics off", "[study]") {
  const std::string base =
      "name = \"s\"\n[defaults]\ndata.name = \"synthetic\"\n[grid]\nseed = [1, 2]\n";
  for (const Task& t : parse_study_text(base, "s.toml").tasks) CHECK(t.store_stats);
  for (const Task& t : parse_study_text(base + "[archive]\nstats = false\n", "s.toml").tasks)
    CHECK_FALSE(t.store_stats);
  CHECK_THROWS_WITH(parse_study_text(base + "[archive]\nstats = \"no\"\n", "s.toml"),
                    Contains("archive.stats") && Contains("expected true or false"));
}
