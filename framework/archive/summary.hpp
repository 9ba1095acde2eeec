#pragma once
// The archive's /summary table: one row per task, so that one read loads a whole study:
//   pandas.DataFrame(h5py.File(path)["summary"][:])
// Columns, in order:
//   id, stage, status       fixed-length UTF-8 strings (numpy 'S': bytes in numpy and pandas;
//                           df[c].str.decode("utf-8") gives str)
//   index (int64), seed (uint64: the run seed)
//   one string column per swept key, in the study's order: the task's value as TOML text, ""
//     where its stage does not sweep that key; named by the key, or "axis:<key>" where the key
//     is also the name of a column here (the "seed" axis becomes "axis:seed")
//   clean_accuracy, train_seconds, eval_seconds (float64)
//   for each noise kind any task was evaluated on, in AddUnc, AddCor, MulUnc, MulCor order:
//     <Kind>_at_max   mean over repetitions at the task's largest variance
//     <Kind>_mean     mean over all variances and repetitions
// Accuracy columns are NaN for tasks that are not done and for kinds a task lacks.
#include <string>
#include <vector>

#include "archive/archive.hpp"
#include "io/h5.hpp"

namespace ns {

// `records` in row order; `axes.by_task` gives each one's axis values.
std::vector<h5::Column> summary_columns(const std::vector<const TaskRecord*>& records,
                                        const StudyAxes& axes);

}  // namespace ns
