#include "record/record_fields.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "nonideality/registry.hpp"

namespace ns {

std::optional<TaskStatus> TextCodec<TaskStatus>::parse(std::string_view text) {
  for (TaskStatus s : {TaskStatus::Done, TaskStatus::Failed, TaskStatus::Diverged})
    if (text == to_string(s)) return s;
  return std::nullopt;
}

std::optional<NoiseKind> TextCodec<NoiseKind>::parse(std::string_view text) {
  if (NoiseKind k = find_nonideality(text)) return k;
  return std::nullopt;
}

std::string TextCodec<NoiseKind>::expected() {
  return nonideality_names();
}

std::string TextCodec<Activation>::expected() {
  std::vector<std::string> names;
  for (int a = 0; a <= static_cast<int>(Activation::PhotonicSigmoid); ++a)
    names.push_back(to_string(static_cast<Activation>(a)));
  return fmt::format("{}", fmt::join(names, ", "));
}

std::vector<NoiseRowView> noise_rows(const NoiseCurves& noise) {
  std::vector<NoiseRowView> rows;
  rows.reserve(noise.kinds.size());
  const std::span<const double> accuracy = noise.accuracy;
  std::size_t from = 0;
  for (std::size_t k = 0; k < noise.kinds.size(); ++k) {
    NoiseRowView& row = rows.emplace_back();
    row.kind = noise.kinds[k];
    if (k < noise.levels.size()) row.levels = noise.levels[k];
    // Bounded by what there is: a malformed record (see NoiseCurves::problem) is refused by
    // the encoders, not read past its end here.
    const std::size_t n =
        row.levels.size() * static_cast<std::size_t>(std::max(noise.repetitions, 0));
    const std::size_t first = std::min(from, accuracy.size());
    row.accuracy = accuracy.subspan(first, std::min(n, accuracy.size() - first));
    from += n;
  }
  return rows;
}

void set_noise_rows(std::vector<NoiseRow> rows, NoiseCurves& noise) {
  noise.kinds.clear();
  noise.levels.clear();
  noise.accuracy.clear();
  for (NoiseRow& row : rows) {
    noise.kinds.push_back(row.kind);
    noise.levels.push_back(std::move(row.levels));
    noise.accuracy.insert(noise.accuracy.end(), row.accuracy.begin(), row.accuracy.end());
  }
}

std::string parent_id(const std::string& settings_text) {
  const std::string link = "train.init_from = \"task:";
  const std::size_t at = settings_text.find(link);
  if (at == std::string::npos) return "";
  const std::size_t from = at + link.size();
  const std::size_t end = settings_text.find('"', from);
  return end == std::string::npos ? "" : settings_text.substr(from, end - from);
}

}  // namespace ns
