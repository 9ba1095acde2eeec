#include "study/task_id.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string_view>

#include "config/settings.hpp"
#include "study/study.hpp"

namespace ns {
namespace {

struct FrozenDefault {
  std::string_view key;
  std::string_view text;  // as Setting::show prints it; "" for a setting unset by default
};

// The defaults of scheme 1, in the settings order of the release that introduced it (which is
// also the order of scheme 0's text). Never edit an entry: every task id depends on them. A new
// setting needs no entry; a removed one, or a changed meaning, needs a new scheme.
// clang-format off
constexpr FrozenDefault kFrozenDefaults[] = {
    {"seed", "1"},
    {"data.name", "\"mnist\""},
    {"data.dir", "\"data\""},
    {"data.validation_fraction", "0.2"},
    {"data.mean", ""},
    {"data.std", ""},
    {"data.limit_train", "0"},
    {"data.limit_test", "0"},
    {"data.synthetic.samples", "3000"},
    {"data.synthetic.features", "20"},
    {"data.synthetic.classes", "4"},
    {"data.synthetic.separation", "3"},
    {"model.hidden", "[300, 300]"},
    {"model.activation", "\"sigmoid\""},
    {"model.noise_placement", "\"after\""},
    {"train.optimizer", "\"adagrad\""},
    {"train.lr", "0.01"},
    {"train.momentum", "0"},
    {"train.beta1", "0.9"},
    {"train.beta2", "0.999"},
    {"train.epochs", "70"},
    {"train.batch_size", "128"},
    {"train.shuffle", "true"},
    {"train.init_from", ""},
    {"train.noise.AddUnc", "0"},
    {"train.noise.AddCor", "0"},
    {"train.noise.MulUnc", "0"},
    {"train.noise.MulCor", "0"},
    {"reg.lambda", "1"},
    {"reg.rowsum", "[]"},
    {"reg.saturation", "0"},
    {"reg.saturation_layers", "[]"},
    {"reg.l2_hidden", "[]"},
    {"reg.l2_output", "0"},
    {"eval.kinds", "[\"AddUnc\", \"AddCor\", \"MulUnc\", \"MulCor\"]"},
    {"eval.levels", "[0.001, 0.001193776641714437, 0.0014251026703029977, 0.0017012542798525892, 0.002030917620904735, 0.0024244620170823282, 0.0028942661247167516, 0.003455107294592218, 0.004124626382901352, 0.004923882631706742, 0.0058780160722749115, 0.00701703828670383, 0.008376776400682925, 0.01, 0.011937766417144363, 0.014251026703029978, 0.017012542798525893, 0.020309176209047358, 0.024244620170823284, 0.028942661247167503, 0.0345510729459222, 0.04124626382901352, 0.04923882631706739, 0.05878016072274912, 0.07017038286703829, 0.0837677640068292, 0.1, 0.1193776641714437, 0.1425102670302998, 0.17012542798525893, 0.20309176209047347, 0.24244620170823283, 0.28942661247167517, 0.34551072945922184, 0.41246263829013524, 0.49238826317067413, 0.5878016072274912, 0.701703828670383, 0.8376776400682916, 1]"},
    {"eval.repetitions", "3"},
    {"eval.chunk", "2000"},
};
// clang-format on

// Settings that never change a result (eval.chunk: evaluation block size, for memory).
constexpr std::string_view kNotIdentity[] = {"eval.chunk"};

const FrozenDefault* frozen(std::string_view key) {
  for (const FrozenDefault& d : kFrozenDefaults)
    if (d.key == key) return &d;
  return nullptr;
}

std::string shown(std::string_view key, const RunConfig& cfg) {
  const Setting* s = find_setting(key);
  if (!s) throw Error(fmt::format("task ids: '{}' is not a setting of this release", key));
  return s->show(cfg);
}

bool not_identity(std::string_view key) {
  return std::find(std::begin(kNotIdentity), std::end(kNotIdentity), key) != std::end(kNotIdentity);
}

// Scheme 0: every setting that release knew, in its order; nullopt if `cfg` sets a newer one.
// A setting that never changes a result may have changed its default since (eval.chunk: 2000,
// then 500): a task that keeps today's default printed scheme 0's. (A scheme-0 study that set
// the new default explicitly is renamed as if it had not; it is the rare side to get wrong.)
std::optional<std::string> scheme0_text(const RunConfig& cfg) {
  const RunConfig defaults;
  for (const Setting& s : all_settings())
    if (!frozen(s.key) && s.show(cfg) != s.show(defaults)) return std::nullopt;
  std::string text;
  for (const FrozenDefault& d : kFrozenDefaults) {
    std::string value = shown(d.key, cfg);
    if (not_identity(d.key) && value == shown(d.key, defaults)) value = d.text;
    if (!value.empty()) text += fmt::format("{} = {}\n", d.key, value);
  }
  return text;
}

}  // namespace

std::string identity_text(const RunConfig& cfg) {
  const RunConfig defaults;
  std::vector<std::string> lines;
  for (const Setting& s : all_settings()) {
    if (not_identity(s.key)) continue;
    const FrozenDefault* d = frozen(s.key);
    const std::string value = s.show(cfg);
    const std::string baseline = d ? std::string(d->text) : s.show(defaults);
    if (value != baseline) lines.push_back(fmt::format("{} = {}\n", s.key, value));
  }
  std::sort(lines.begin(), lines.end());
  return fmt::format("{}", fmt::join(lines, ""));
}

std::string task_id(const std::string& stage, const RunConfig& cfg, const std::string& parent_id) {
  std::string text =
      fmt::format("noisesweep-task/{}\nstage = {}\n{}", kTaskIdScheme, stage, identity_text(cfg));
  if (!parent_id.empty()) text += fmt::format("parent = {}\n", parent_id);
  return hash_hex(text);
}

std::vector<std::string> scheme0_task_ids(const Study& study) {
  std::vector<std::string> ids(study.tasks.size());
  for (const Task& t : study.tasks) {
    std::optional<std::string> text = scheme0_text(t.config);
    if (!text) continue;
    if (t.parent) {
      const std::string& parent = ids[*t.parent];
      if (parent.empty()) continue;  // no scheme-0 lineage
      *text += fmt::format("train.init_from = \"task:{}\"\n", parent);
    }
    ids[t.index] = hash_hex(t.stage + "\n" + *text);
  }
  return ids;
}

}  // namespace ns
