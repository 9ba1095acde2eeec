#pragma once
// The fields of a task record, each declared once. Every encoding of a record is derived from
// these declarations by a visitor: the bytes of MPI messages and of the journal
// (task_record.cpp) and the rows of the archive's tables (archive/record_tables.cpp). A field
// added here reaches all of them.
//
// A declaration, Fields<T>::visit(v, x) for a T or a const T, calls on its visitor v:
//   v.value(name, f)             one value: text, an integer, a bool, a double, or a type that
//                                has a TextCodec (stored as its text)
//   v.array(name, f)             a variable-length array: std::vector<double>,
//                                std::vector<std::int64_t>, Eigen::VectorXf, or (writers
//                                only) std::span<const double>
//   v.matrix(name, rows, cols, f)  an Eigen::MatrixXf: its shape, then its values row by row
//                                (row i holds the weights into neuron i, as h5py users read it)
//   v.group(prefix, f)           a struct whose fields belong to this row, named PREFIX_FIELD
//   v.rows(table, f, ordinal)    a std::vector of structs: rows of the child table `table`,
//                                each naming its task's row; a non-null `ordinal` names a column
//                                that holds each row's position in f (readers check it)
//   v.optional_row(table, f)     a std::optional struct: no row or one row of `table`
//   v.derived(name, g)           a value computed from other fields, g(): stored for readers'
//                                convenience, never read back
// A visitor that fills a record has `static constexpr bool kReads = true`. Names are those of
// the archive's columns and tables; the byte encoding keeps only the order.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "record/task_record.hpp"

namespace ns {

// Types stored as text: their text, the inverse (nullopt for other text), and what the inverse
// accepts, for errors.
template <class T>
struct TextCodec;

template <>
struct TextCodec<TaskStatus> {
  static std::string text(TaskStatus s) { return to_string(s); }
  static std::optional<TaskStatus> parse(std::string_view text);
  static std::string expected() { return "done, failed or diverged"; }
};

template <>
struct TextCodec<NoiseKind> {
  static std::string text(NoiseKind k) { return to_string(k); }
  static std::optional<NoiseKind> parse(std::string_view text);
  static std::string expected();  // the kinds this release knows
};

template <>
struct TextCodec<Activation> {
  static std::string text(Activation a) { return to_string(a); }
  static std::optional<Activation> parse(std::string_view text) { return find_activation(text); }
  static std::string expected();
};

template <>
struct TextCodec<NoisePlacement> {
  static std::string text(NoisePlacement p) { return to_string(p); }
  static std::optional<NoisePlacement> parse(std::string_view text) {
    return find_noise_placement(text);
  }
  static std::string expected() { return "after or before"; }
};

// How a visitor stores a value of type T.
enum class ValueKind { Text, Int, UInt, Bool, Float, Coded };
template <class T>
constexpr ValueKind value_kind() {
  if constexpr (std::is_same_v<T, std::string>)
    return ValueKind::Text;
  else if constexpr (std::is_same_v<T, bool>)
    return ValueKind::Bool;
  else if constexpr (std::is_same_v<T, double>)
    return ValueKind::Float;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return ValueKind::UInt;
  else if constexpr (std::is_integral_v<T>)
    return ValueKind::Int;
  else
    return ValueKind::Coded;  // TextCodec<T>
}

// The noise curves of one kind: how a record's NoiseCurves is stored, one row per kind (the
// repetitions, shared by every kind, are stored with the task). Readers fill NoiseRows;
// writers see the record's own values through NoiseRowViews, without copying them.
struct NoiseRow {
  NoiseKind kind = nullptr;
  std::vector<double> levels;
  std::vector<double> accuracy;  // levels x repetitions, level-major
};
struct NoiseRowView {
  NoiseKind kind = nullptr;
  std::span<const double> levels;
  std::span<const double> accuracy;
};
std::vector<NoiseRowView> noise_rows(const NoiseCurves& noise);
// Sets `noise`'s kinds, levels and accuracies from its rows, keeping its repetitions.
void set_noise_rows(std::vector<NoiseRow> rows, NoiseCurves& noise);

// The id of the task a fine-tuning task starts from, as its settings name it
// (`train.init_from = "task:ID"`), or "" for a task trained from scratch or from a file. Stored
// on its own so that readers need not parse the settings.
std::string parent_id(const std::string& settings_text);

template <class T>
struct Fields;

template <>
struct Fields<EpochStats> {
  template <class V, class E>
  static void visit(V& v, E& e) {
    v.value("epoch", e.epoch);
    v.value("loss", e.loss);
    v.value("cross_entropy", e.cross_entropy);
    v.value("train_accuracy", e.train_accuracy);
    v.value("validation_accuracy", e.validation_accuracy);
    v.value("seconds", e.seconds);
  }
};

struct NoiseRowFields {
  template <class V, class N>
  static void visit(V& v, N& n) {
    v.value("kind", n.kind);
    v.array("levels", n.levels);
    v.array("accuracy", n.accuracy);
  }
};
template <>
struct Fields<NoiseRow> : NoiseRowFields {};
template <>
struct Fields<NoiseRowView> : NoiseRowFields {};

template <>
struct Fields<Histogram> {
  template <class V, class H>
  static void visit(V& v, H& h) {
    v.array("edges", h.edges);
    v.array("counts", h.counts);
  }
};

template <>
struct Fields<LayerStats> {
  template <class V, class L>
  static void visit(V& v, L& l) {
    v.array("row_mean", l.row_mean);
    v.array("row_std", l.row_std);
    v.group("weight_hist", l.weights);
    v.group("bias_hist", l.biases);
  }
};

template <>
struct Fields<HiddenStats> {
  template <class V, class H>
  static void visit(V& v, H& h) {
    v.group("preactivation_hist", h.preactivation);
    v.group("input_hist", h.input);
  }
};

template <>
struct Fields<LayerWeights> {
  template <class V, class L>
  static void visit(V& v, L& l) {
    v.matrix("W", "rows", "cols", l.w);
    v.array("b", l.b);
  }
};

template <>
struct Fields<ModelWeights> {
  template <class V, class M>
  static void visit(V& v, M& m) {
    v.value("activation", m.activation);
    v.value("noise_placement", m.noise_placement);
    v.value("settings", m.settings_text);
    v.rows("weights", m.layers, "layer");
  }
};

template <>
struct Fields<TaskRecord> {
  template <class V, class R>
  static void visit(V& v, R& r) {
    v.value("id", r.id);
    v.value("stage", r.stage);
    v.value("index", r.index);
    v.value("status", r.status);
    v.value("message", r.message);
    v.value("settings", r.settings_text);
    v.derived("parent", [&r] { return parent_id(r.settings_text); });
    v.value("seed", r.seed);
    v.value("rank", r.rank);
    v.value("host", r.host);
    v.value("build", r.build);
    v.value("started", r.started);
    v.value("finished", r.finished);
    v.value("train_seconds", r.train_seconds);
    v.value("eval_seconds", r.eval_seconds);
    v.value("clean_accuracy", r.clean_accuracy);
    v.value("noise_repetitions", r.noise.repetitions);
    v.rows("curves", r.curve, nullptr);
    if constexpr (V::kReads) {
      std::vector<NoiseRow> rows;
      v.rows("noise", rows, nullptr);
      set_noise_rows(std::move(rows), r.noise);
    } else {
      v.rows("noise", noise_rows(r.noise), nullptr);
    }
    v.rows("layers", r.stats.layers, "layer");
    v.rows("hidden", r.stats.hidden, "layer");
    v.optional_row("models", r.weights);
  }
};

}  // namespace ns
