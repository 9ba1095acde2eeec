#include "archive/record_tables.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "nonideality/registry.hpp"

namespace ns {
namespace {

using h5::ColumnSpec;
using h5::ColumnType;
constexpr ColumnType kText = ColumnType::Text, kInt = ColumnType::Int64, kUInt = ColumnType::UInt64,
                     kF64 = ColumnType::Float64, kF32 = ColumnType::Float32;

ColumnSpec ragged(std::string name, ColumnType type) {
  return {std::move(name), type, true};
}

template <class T>
std::vector<T>& typed(h5::ColumnValues& v, const std::string& column) {
  if (auto* values = std::get_if<std::vector<T>>(&v.values)) return *values;
  throw Error(fmt::format("archive table column '{}' holds another type", column));
}

[[noreturn]] void malformed(const std::string& file, const std::string& table,
                            const std::string& what) {
  throw ArchiveError(file, "/" + table, what);
}

// The id of the task a fine-tuning task starts from, as its settings name it
// (`train.init_from = "task:ID"`), or "" for a task trained from scratch or from a file. Stored
// on its own so that readers need not parse the settings.
std::string parent_id(const std::string& settings_text) {
  const std::string link = "train.init_from = \"task:";
  const std::size_t at = settings_text.find(link);
  if (at == std::string::npos) return "";
  const std::size_t from = at + link.size();
  const std::size_t end = settings_text.find('"', from);
  return end == std::string::npos ? "" : settings_text.substr(from, end - from);
}

void check_record(const TaskRecord& r) {
  if (r.id.empty()) throw Error("a task record without an id cannot be archived");
  if (const std::string problem = r.noise.problem(); !problem.empty())
    throw Error(fmt::format("task {}: {}", r.id, problem));
  if (const std::string problem = network_stats_problem(r.stats); !problem.empty())
    throw Error(fmt::format("task {}: network statistics: {}", r.id, problem));
  if (r.weights) check_layer_shapes("", "task " + r.id + " weights", r.weights->layers);
}

template <class T, class Values>
void append_array(std::vector<T>& values, std::vector<std::uint64_t>& lengths, const Values& from) {
  values.insert(values.end(), from.begin(), from.end());
  lengths.push_back(from.size());
}

void add_histogram(Rows& rows, const std::string& name, const Histogram& h) {
  append_array(rows.float64(name + "_hist_edges"), rows.lengths(name + "_hist_edges"), h.edges);
  append_array(rows.int64(name + "_hist_counts"), rows.lengths(name + "_hist_counts"), h.counts);
}

template <class T>
std::vector<T>& values_of(Rows& rows, const std::string& column) {
  if constexpr (std::is_same_v<T, double>)
    return rows.float64(column);
  else if constexpr (std::is_same_v<T, float>)
    return rows.float32(column);
  else
    return rows.int64(column);
}

// Reads ragged column `column` of `rows` row by row.
template <class T>
class RaggedCursor {
 public:
  RaggedCursor(Rows& rows, const std::string& column)
      : values_(values_of<T>(rows, column)), lengths_(rows.lengths(column)) {}
  std::vector<T> next() {
    const std::uint64_t n = lengths_.at(row_++);
    std::vector<T> out(values_.begin() + static_cast<std::ptrdiff_t>(at_),
                       values_.begin() + static_cast<std::ptrdiff_t>(at_ + n));
    at_ += n;
    return out;
  }

 private:
  std::vector<T>& values_;
  std::vector<std::uint64_t>& lengths_;
  std::size_t row_ = 0;
  std::uint64_t at_ = 0;
};

// The histogram NAME (NAME_hist_edges, NAME_hist_counts) of `rows`, row by row.
class HistogramCursor {
 public:
  HistogramCursor(Rows& rows, const std::string& name)
      : edges_(rows, name + "_hist_edges"), counts_(rows, name + "_hist_counts") {}
  Histogram next() {
    Histogram h;
    h.edges = edges_.next();
    h.counts = counts_.next();
    return h;
  }

 private:
  RaggedCursor<double> edges_;
  RaggedCursor<std::int64_t> counts_;
};

// The task row a child row belongs to, checked against the task table's size.
// (Relative to the first task row read.)
std::size_t owner(const std::string& file, const std::string& table, std::int64_t task_row,
                  std::int64_t first, std::size_t tasks) {
  const std::int64_t relative = task_row - first;
  if (relative < 0 || static_cast<std::size_t>(relative) >= tasks)
    malformed(file, table,
              fmt::format("a row belongs to task row {}, not one of rows {}..{}", task_row, first,
                          first + std::int64_t(tasks) - 1));
  return static_cast<std::size_t>(relative);
}

int to_int(const std::string& file, const std::string& table, const char* column,
           std::int64_t value) {
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max())
    malformed(file, table, fmt::format("'{}' = {} is out of range", column, value));
  return static_cast<int>(value);
}

std::string joined(const std::vector<std::string>& lines) {
  return fmt::format("{}", fmt::join(lines, "\n"));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t from = 0;
  while (from < text.size()) {
    const std::size_t end = std::min(text.find('\n', from), text.size());
    lines.push_back(text.substr(from, end - from));
    from = end + 1;
  }
  return lines;
}

}  // namespace

std::vector<TableDecl> archive_tables(const std::vector<std::string>& axis_keys) {
  std::vector<ColumnSpec> tasks{{"id", kText},
                                {"stage", kText},
                                {"index", kInt},
                                {"status", kText},
                                {"message", kText},
                                {"settings", kText},
                                {"parent", kText},
                                {"seed", kUInt},
                                {"rank", kInt},
                                {"host", kText},
                                {"build", kText},
                                {"started", kF64},
                                {"finished", kF64},
                                {"train_seconds", kF64},
                                {"eval_seconds", kF64},
                                {"clean_accuracy", kF64},
                                {"noise_repetitions", kInt}};
  for (const std::string& key : axis_keys) tasks.push_back({kAxisPrefix + key, kText});
  return {
      {"tasks", std::move(tasks)},
      {"curves",
       {{"task_row", kInt},
        {"epoch", kInt},
        {"loss", kF64},
        {"cross_entropy", kF64},
        {"train_accuracy", kF64},
        {"validation_accuracy", kF64},
        {"seconds", kF64}}},
      {"noise",
       {{"task_row", kInt}, {"kind", kText}, ragged("levels", kF64), ragged("accuracy", kF64)}},
      {"layers",
       {{"task_row", kInt},
        {"layer", kInt},
        ragged("row_mean", kF64),
        ragged("row_std", kF64),
        ragged("weight_hist_edges", kF64),
        ragged("weight_hist_counts", kInt),
        ragged("bias_hist_edges", kF64),
        ragged("bias_hist_counts", kInt)}},
      {"hidden",
       {{"task_row", kInt},
        {"layer", kInt},
        ragged("preactivation_hist_edges", kF64),
        ragged("preactivation_hist_counts", kInt),
        ragged("input_hist_edges", kF64),
        ragged("input_hist_counts", kInt)}},
      {"models",
       {{"task_row", kInt},
        {"activation", kText},
        {"noise_placement", kText},
        {"settings", kText}}},
      {"weights",
       {{"task_row", kInt},
        {"layer", kInt},
        {"rows", kInt},
        {"cols", kInt},
        ragged("W", kF32),
        ragged("b", kF32)}},
      {kRunsTable,
       {{"study_name", kText},
        {"study_file", kText},
        {"study_hash", kText},
        {"study_text", kText},
        {"program_version", kText},
        {"git_commit", kText},
        {"git_dirty", kInt},
        {"compiler", kText},
        {"eigen_version", kText},
        {"hdf5_version", kText},
        {"mpi_version", kText},
        {"numeric_build", kText},
        {"hosts", kText},
        {"started", kF64},
        {"finished", kF64},
        {"ranks", kInt},
        {"reused_from", kText}}},
  };
}

// ===== Rows =====

Rows::Rows(const std::vector<h5::ColumnSpec>& columns) : columns_(columns) {
  for (const ColumnSpec& c : columns_) {
    h5::ColumnValues& v = values_.emplace_back();
    switch (c.type) {
      case kText:
        v.values = std::vector<std::string>{};
        break;
      case kInt:
        v.values = std::vector<std::int64_t>{};
        break;
      case kUInt:
        v.values = std::vector<std::uint64_t>{};
        break;
      case kF64:
        v.values = std::vector<double>{};
        break;
      case kF32:
        v.values = std::vector<float>{};
        break;
    }
  }
}

Rows::Rows(const std::vector<h5::ColumnSpec>& columns, std::vector<h5::ColumnValues> values)
    : columns_(columns), values_(std::move(values)) {}

h5::ColumnValues& Rows::at(const std::string& column, h5::ColumnType type) {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name != column) continue;
    if (columns_[i].type != type)
      throw Error(fmt::format("archive table column '{}' holds another type", column));
    return values_[i];
  }
  throw Error(fmt::format("archive table has no column '{}'", column));
}

std::vector<std::string>& Rows::text(const std::string& c) {
  return typed<std::string>(at(c, kText), c);
}
std::vector<std::int64_t>& Rows::int64(const std::string& c) {
  return typed<std::int64_t>(at(c, kInt), c);
}
std::vector<std::uint64_t>& Rows::uint64(const std::string& c) {
  return typed<std::uint64_t>(at(c, kUInt), c);
}
std::vector<double>& Rows::float64(const std::string& c) {
  return typed<double>(at(c, kF64), c);
}
std::vector<float>& Rows::float32(const std::string& c) {
  return typed<float>(at(c, kF32), c);
}

std::vector<std::uint64_t>& Rows::lengths(const std::string& column) {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == column && columns_[i].ragged) return values_[i].lengths;
  throw Error(fmt::format("archive table has no ragged column '{}'", column));
}

std::size_t Rows::size() const {
  return columns_.empty() ? 0 : values_[0].rows(columns_[0].ragged);
}

// ===== records to rows =====

TableRows record_rows(const std::vector<const TaskRecord*>& records, const StudyAxes& axes,
                      std::int64_t first_task_row) {
  TableRows out;
  for (const TableDecl& t : archive_tables(axes.keys))
    if (t.name != kRunsTable) out.emplace(t.name, Rows(t.columns));
  Rows& tasks = out.at("tasks");
  Rows& curves = out.at("curves");
  Rows& noise = out.at("noise");
  Rows& layers = out.at("layers");
  Rows& hidden = out.at("hidden");
  Rows& models = out.at("models");
  Rows& weights = out.at("weights");
  std::int64_t row = first_task_row;
  for (const TaskRecord* record : records) {
    const TaskRecord& r = *record;
    check_record(r);
    tasks.text("id").push_back(r.id);
    tasks.text("stage").push_back(r.stage);
    tasks.int64("index").push_back(r.index);
    tasks.text("status").push_back(to_string(r.status));
    tasks.text("message").push_back(r.message);
    tasks.text("settings").push_back(r.settings_text);
    tasks.text("parent").push_back(parent_id(r.settings_text));
    tasks.uint64("seed").push_back(r.seed);
    tasks.int64("rank").push_back(r.rank);
    tasks.text("host").push_back(r.host);
    tasks.text("build").push_back(r.build);
    tasks.float64("started").push_back(r.started);
    tasks.float64("finished").push_back(r.finished);
    tasks.float64("train_seconds").push_back(r.train_seconds);
    tasks.float64("eval_seconds").push_back(r.eval_seconds);
    tasks.float64("clean_accuracy").push_back(r.clean_accuracy);
    tasks.int64("noise_repetitions").push_back(r.noise.repetitions);
    const auto found = axes.by_task.find(r.id);
    for (const std::string& key : axes.keys) {
      std::string value;
      if (found != axes.by_task.end())
        for (const auto& [k, v] : found->second)
          if (k == key) value = v;
      tasks.text(kAxisPrefix + key).push_back(value);
    }

    for (const EpochStats& e : r.curve) {
      curves.int64("task_row").push_back(row);
      curves.int64("epoch").push_back(e.epoch);
      curves.float64("loss").push_back(e.loss);
      curves.float64("cross_entropy").push_back(e.cross_entropy);
      curves.float64("train_accuracy").push_back(e.train_accuracy);
      curves.float64("validation_accuracy").push_back(e.validation_accuracy);
      curves.float64("seconds").push_back(e.seconds);
    }
    for (std::size_t k = 0; k < r.noise.kinds.size(); ++k) {
      noise.int64("task_row").push_back(row);
      noise.text("kind").push_back(to_string(r.noise.kinds[k]));
      append_array(noise.float64("levels"), noise.lengths("levels"), r.noise.levels[k]);
      const auto from = r.noise.accuracy.begin() + r.noise.offset(int(k));
      const std::size_t n = r.noise.levels[k].size() * std::size_t(r.noise.repetitions);
      append_array(noise.float64("accuracy"), noise.lengths("accuracy"),
                   std::vector<double>(from, from + static_cast<std::ptrdiff_t>(n)));
    }
    for (std::size_t l = 0; l < r.stats.layers.size(); ++l) {
      const LayerStats& s = r.stats.layers[l];
      layers.int64("task_row").push_back(row);
      layers.int64("layer").push_back(std::int64_t(l));
      append_array(layers.float64("row_mean"), layers.lengths("row_mean"), s.row_mean);
      append_array(layers.float64("row_std"), layers.lengths("row_std"), s.row_std);
      add_histogram(layers, "weight", s.weights);
      add_histogram(layers, "bias", s.biases);
    }
    for (std::size_t h = 0; h < r.stats.hidden.size(); ++h) {
      hidden.int64("task_row").push_back(row);
      hidden.int64("layer").push_back(std::int64_t(h));
      add_histogram(hidden, "preactivation", r.stats.hidden[h].preactivation);
      add_histogram(hidden, "input", r.stats.hidden[h].input);
    }
    if (r.weights) {
      models.int64("task_row").push_back(row);
      models.text("activation").push_back(to_string(r.weights->activation));
      models.text("noise_placement").push_back(to_string(r.weights->noise_placement));
      models.text("settings").push_back(r.weights->settings_text);
      for (std::size_t l = 0; l < r.weights->layers.size(); ++l) {
        const LayerWeights& lw = r.weights->layers[l];
        weights.int64("task_row").push_back(row);
        weights.int64("layer").push_back(std::int64_t(l));
        weights.int64("rows").push_back(lw.w.rows());
        weights.int64("cols").push_back(lw.w.cols());
        // Row-major, as h5py users read a matrix: row i holds the weights into neuron i.
        const Eigen::Matrix<float, -1, -1, Eigen::RowMajor> w = lw.w;
        std::vector<float>& values = weights.float32("W");
        values.insert(values.end(), w.data(), w.data() + w.size());
        weights.lengths("W").push_back(std::uint64_t(w.size()));
        append_array(weights.float32("b"), weights.lengths("b"),
                     std::vector<float>(lw.b.data(), lw.b.data() + lw.b.size()));
      }
    }
    ++row;
  }
  return out;
}

// ===== rows to records =====

StoredRecords records_from_rows(const std::string& file, TableRows& rows,
                                const std::vector<std::string>& axis_keys,
                                std::int64_t first_task_row) {
  StoredRecords out;
  Rows& tasks = rows.at("tasks");
  const std::size_t n = tasks.size();
  out.records.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    TaskRecord& r = out.records[i];
    r.id = tasks.text("id")[i];
    r.stage = tasks.text("stage")[i];
    r.index = to_int(file, "tasks", "index", tasks.int64("index")[i]);
    try {
      r.status = parse_task_status(tasks.text("status")[i]);
    } catch (const Error& e) {
      malformed(file, "tasks", fmt::format("row {}: {}", i, e.what()));
    }
    r.message = tasks.text("message")[i];
    r.settings_text = tasks.text("settings")[i];
    r.seed = tasks.uint64("seed")[i];
    r.rank = to_int(file, "tasks", "rank", tasks.int64("rank")[i]);
    r.host = tasks.text("host")[i];
    r.build = tasks.text("build")[i];
    r.started = tasks.float64("started")[i];
    r.finished = tasks.float64("finished")[i];
    r.train_seconds = tasks.float64("train_seconds")[i];
    r.eval_seconds = tasks.float64("eval_seconds")[i];
    r.clean_accuracy = tasks.float64("clean_accuracy")[i];
    r.noise.repetitions =
        to_int(file, "tasks", "noise_repetitions", tasks.int64("noise_repetitions")[i]);
    AxisValues& axes = out.axes[r.id];
    axes.clear();
    for (const std::string& key : axis_keys) {
      const std::string& value = tasks.text(kAxisPrefix + key)[i];
      if (!value.empty()) axes.emplace_back(key, value);
    }
  }

  Rows& curves = rows.at("curves");
  for (std::size_t i = 0; i < curves.size(); ++i) {
    TaskRecord& r =
        out.records[owner(file, "curves", curves.int64("task_row")[i], first_task_row, n)];
    EpochStats& e = r.curve.emplace_back();
    e.epoch = to_int(file, "curves", "epoch", curves.int64("epoch")[i]);
    e.loss = curves.float64("loss")[i];
    e.cross_entropy = curves.float64("cross_entropy")[i];
    e.train_accuracy = curves.float64("train_accuracy")[i];
    e.validation_accuracy = curves.float64("validation_accuracy")[i];
    e.seconds = curves.float64("seconds")[i];
  }

  Rows& noise = rows.at("noise");
  RaggedCursor<double> levels(noise, "levels");
  RaggedCursor<double> accuracy(noise, "accuracy");
  for (std::size_t i = 0; i < noise.size(); ++i) {
    TaskRecord& r =
        out.records[owner(file, "noise", noise.int64("task_row")[i], first_task_row, n)];
    const std::string& kind = noise.text("kind")[i];
    const NoiseKind k = find_nonideality(kind);
    if (!k)
      malformed(file, "noise",
                fmt::format("unknown noise kind '{}' (this release knows {})", kind,
                            nonideality_names()));
    r.noise.kinds.push_back(k);
    r.noise.levels.push_back(levels.next());
    const std::vector<double> values = accuracy.next();
    r.noise.accuracy.insert(r.noise.accuracy.end(), values.begin(), values.end());
  }

  Rows& layers = rows.at("layers");
  RaggedCursor<double> row_mean(layers, "row_mean");
  RaggedCursor<double> row_std(layers, "row_std");
  HistogramCursor weight_hist(layers, "weight"), bias_hist(layers, "bias");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    TaskRecord& r =
        out.records[owner(file, "layers", layers.int64("task_row")[i], first_task_row, n)];
    if (layers.int64("layer")[i] != std::int64_t(r.stats.layers.size()))
      malformed(file, "layers", fmt::format("row {}: layers of task {} out of order", i, r.id));
    LayerStats& s = r.stats.layers.emplace_back();
    s.row_mean = row_mean.next();
    s.row_std = row_std.next();
    s.weights = weight_hist.next();
    s.biases = bias_hist.next();
  }

  Rows& hidden = rows.at("hidden");
  HistogramCursor preactivation_hist(hidden, "preactivation"), input_hist(hidden, "input");
  for (std::size_t i = 0; i < hidden.size(); ++i) {
    TaskRecord& r =
        out.records[owner(file, "hidden", hidden.int64("task_row")[i], first_task_row, n)];
    if (hidden.int64("layer")[i] != std::int64_t(r.stats.hidden.size()))
      malformed(file, "hidden", fmt::format("row {}: layers of task {} out of order", i, r.id));
    HiddenStats& s = r.stats.hidden.emplace_back();
    s.preactivation = preactivation_hist.next();
    s.input = input_hist.next();
  }

  Rows& models = rows.at("models");
  for (std::size_t i = 0; i < models.size(); ++i) {
    TaskRecord& r =
        out.records[owner(file, "models", models.int64("task_row")[i], first_task_row, n)];
    ModelWeights& m = r.weights.emplace();
    const auto activation = find_activation(models.text("activation")[i]);
    const auto placement = find_noise_placement(models.text("noise_placement")[i]);
    if (!activation || !placement)
      malformed(file, "models",
                fmt::format("row {}: unknown activation '{}' or noise placement '{}'", i,
                            models.text("activation")[i], models.text("noise_placement")[i]));
    m.activation = *activation;
    m.noise_placement = *placement;
    m.settings_text = models.text("settings")[i];
  }
  Rows& weights = rows.at("weights");
  RaggedCursor<float> w_values(weights, "W");
  RaggedCursor<float> b_values(weights, "b");
  for (std::size_t i = 0; i < weights.size(); ++i) {
    TaskRecord& r =
        out.records[owner(file, "weights", weights.int64("task_row")[i], first_task_row, n)];
    const std::int64_t rows_ = weights.int64("rows")[i], cols = weights.int64("cols")[i];
    const std::vector<float> w = w_values.next(), b = b_values.next();
    if (!r.weights || rows_ < 0 || cols < 0 || std::int64_t(w.size()) != rows_ * cols ||
        std::int64_t(b.size()) != rows_)
      malformed(file, "weights",
                fmt::format("row {}: a {} x {} layer with {} weights and {} biases, of task {}{}",
                            i, rows_, cols, w.size(), b.size(), r.id,
                            r.weights ? "" : " (which has no row in /models)"));
    LayerWeights& layer = r.weights->layers.emplace_back();
    layer.w =
        Eigen::Map<const Eigen::Matrix<float, -1, -1, Eigen::RowMajor>>(w.data(), rows_, cols);
    layer.b = Eigen::Map<const Eigen::VectorXf>(b.data(), rows_);
  }

  for (TaskRecord& r : out.records) {
    if (const std::string problem = r.noise.problem(); !problem.empty())
      malformed(file, "noise", fmt::format("task {}: {}", r.id, problem));
    if (const std::string problem = network_stats_problem(r.stats); !problem.empty())
      malformed(file, "layers", fmt::format("task {}: network statistics: {}", r.id, problem));
    if (r.weights) check_layer_shapes(file, "/weights", r.weights->layers);
  }
  return out;
}

// ===== runs =====

TableDecl runs_table() {
  for (TableDecl& t : archive_tables({}))
    if (t.name == kRunsTable) return std::move(t);
  throw Error("the archive's tables declare no runs table");
}

Rows run_row(const ArchiveInfo& info) {
  Rows row(runs_table().columns);
  row.text("study_name").push_back(info.study_name);
  row.text("study_file").push_back(info.study_file);
  row.text("study_hash").push_back(info.study_hash);
  row.text("study_text").push_back(info.study_text);
  row.text("program_version").push_back(info.program_version);
  row.text("git_commit").push_back(info.git_commit);
  row.int64("git_dirty").push_back(info.git_dirty ? 1 : 0);
  row.text("compiler").push_back(info.compiler);
  row.text("eigen_version").push_back(info.eigen_version);
  row.text("hdf5_version").push_back(info.hdf5_version);
  row.text("mpi_version").push_back(info.mpi_version);
  row.text("numeric_build").push_back(info.numeric_build);
  row.text("hosts").push_back(joined(info.hosts));
  row.float64("started").push_back(info.started);
  row.float64("finished").push_back(info.finished);
  row.int64("ranks").push_back(info.ranks);
  row.text("reused_from").push_back(joined(info.reused_from));
  return row;
}

ArchiveInfo info_from_runs(const std::string& file, Rows& runs) {
  const std::size_t n = runs.size();
  if (n == 0) malformed(file, kRunsTable, "no run has written this archive");
  ArchiveInfo info;
  const std::size_t last = n - 1;
  info.study_name = runs.text("study_name")[last];
  info.study_file = runs.text("study_file")[last];
  info.study_hash = runs.text("study_hash")[last];
  info.study_text = runs.text("study_text")[last];
  info.program_version = runs.text("program_version")[last];
  info.git_commit = runs.text("git_commit")[last];
  info.compiler = runs.text("compiler")[last];
  info.eigen_version = runs.text("eigen_version")[last];
  info.hdf5_version = runs.text("hdf5_version")[last];
  info.mpi_version = runs.text("mpi_version")[last];
  info.numeric_build = runs.text("numeric_build")[last];
  info.started = runs.float64("started")[0];
  for (std::size_t i = 0; i < n; ++i) {
    info.git_dirty = info.git_dirty || runs.int64("git_dirty")[i] != 0;
    info.started = std::min(info.started, runs.float64("started")[i]);
    info.finished = std::max(info.finished, runs.float64("finished")[i]);
    info.ranks = std::max(info.ranks, to_int(file, kRunsTable, "ranks", runs.int64("ranks")[i]));
    for (std::string& host : lines_of(runs.text("hosts")[i]))
      if (std::find(info.hosts.begin(), info.hosts.end(), host) == info.hosts.end())
        info.hosts.push_back(std::move(host));
    for (std::string& source : lines_of(runs.text("reused_from")[i]))
      if (std::find(info.reused_from.begin(), info.reused_from.end(), source) ==
          info.reused_from.end())
        info.reused_from.push_back(std::move(source));
  }
  return info;
}

}  // namespace ns
