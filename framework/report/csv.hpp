#pragma once
// The report as one tidy CSV (RFC 4180, header row, "\n" line ends), one row per group of
// every stage, for pandas.read_csv:
//   stage, <each grouping key of Report::keys>, tasks, done, failed, pending, compared_with,
//   then for each metric <name>_mean, <name>_std, <name>_n, <name>_ci_low, <name>_ci_high
// where <name> is Metric::csv_name() (clean, AddUnc@0.1, auc_AddUnc, gain_AddUnc@1,
// gain_auc_AddUnc), in the order the stages first use them. Accuracies are in %, gains in
// percentage points, at full precision. An empty field is a value that does not exist: a key
// a stage does not group by, a metric a stage lacks, a std or interval with n < 2, a mean with
// n = 0 (pandas reads NaN).
#include <string>

#include "report/report.hpp"

namespace ns::report {

std::string to_csv(const Report& report);

// The protection matrix as tidy CSV, one row per (stage, group, column):
//   stage, group, nonideality ("clean" for the clean accuracy), strength, reference_accuracy,
//   gain_mean, gain_std, gain_n, gain_ci_low, gain_ci_high
// reference_accuracy is the mean over every reference task of the matrix (all rows), the
// accuracy the strength was chosen from; a row's own accuracy is in the stage tables.
std::string to_protection_csv(const ProtectionMatrix& matrix);

}  // namespace ns::report
