// `noisesweep run STUDY.toml`: the study's tasks on every MPI rank (rank 0 coordinates and writes
// the archive), or on worker threads of one process when started without mpirun.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "cli/commands.hpp"
#include "cli/run_study.hpp"
#include "cli/stop_signals.hpp"
#include "cli/validators.hpp"
#include "core/build_info.hpp"
#include "core/error.hpp"
#include "core/machine_memory.hpp"
#include "study/study_memory.hpp"
#include "sweep/inprocess_link.hpp"
#include "sweep/mpi_link.hpp"
#include "sweep/result_store.hpp"
#include "sweep/reuse.hpp"
#include "sweep/worker.hpp"

namespace ns::cli {

namespace {

// Exit codes a batch script can act on.
constexpr int kExitFailedTasks = 1;
constexpr int kExitStopped = 3;  // stopped on request before the end: run again to resume

std::string clock_text(double seconds) {
  const long s = long(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02}", s / 60, s % 60);
}

void print_progress(const SweepProgress& p, bool tty) {
  const double rate = p.elapsed > 0 ? p.finished_now / p.elapsed : 0;
  const int remaining = p.pending + p.running;
  const std::string eta = rate > 0 ? clock_text(remaining / rate) : "?";
  const std::string line =
      fmt::format("{}/{} done, {} failed, {} running | {:.2f} tasks/s | elapsed {} | ETA {}",
                  p.done, p.total, p.failed, p.running, rate, clock_text(p.elapsed), eta);
  if (tty)
    fmt::print("\r{:<100}", line);
  else
    fmt::print("[progress] {}\n", line);
  std::fflush(stdout);
}

// The worker threads of a run without mpirun. However the coordinator ends (done, stopped, or
// an error such as a full disk), every worker is told to stop and joined before the error goes
// on up: a running task is abandoned at its next epoch.
class WorkerThreads {
 public:
  WorkerThreads(InProcessHub& hub, std::function<void(int)> work)
      : hub_(hub), work_(std::move(work)) {
    try {
      for (int w = 0; w < hub.coordinator().workers(); ++w)
        threads_.emplace_back([this, w] { work_(w); });
    } catch (...) {
      stop_and_join();
      throw;
    }
  }
  ~WorkerThreads() { stop_and_join(); }
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

 private:
  void stop_and_join() noexcept {
    // A worker that already stopped leaves this extra Stop unread.
    for (std::size_t w = 0; w < threads_.size(); ++w)
      hub_.coordinator().send(int(w), MessageKind::Stop, "");
    for (std::thread& t : threads_) t.join();
  }
  InProcessHub& hub_;
  std::function<void(int)> work_;
  std::vector<std::thread> threads_;
};

ArchiveInfo provenance(const Study& study, const std::vector<std::string>& task_hosts, int ranks,
                       double started, const std::vector<std::string>& reused_from,
                       const Shard& shard) {
  ArchiveInfo info;
  info.study_name = study.name;
  info.study_file = study.file;
  info.study_text = study.text;
  info.study_hash = study.hash;
  info.program_version = program_version();
  info.git_commit = git_commit();
  info.git_dirty = git_dirty();
  info.compiler = compiler_version();
  info.eigen_version = eigen_version();
  info.hdf5_version = hdf5_version();
  info.mpi_version = mpi_library_version();
  info.numeric_build = numeric_build();
  info.hosts.push_back(host_name());
  for (const std::string& host : task_hosts)
    if (std::find(info.hosts.begin(), info.hosts.end(), host) == info.hosts.end())
      info.hosts.push_back(host);
  info.started = started;
  info.finished = unix_time();
  info.ranks = ranks;
  info.reused_from = reused_from;
  info.shard = shard.str();
  return info;
}

void reuse_archives(const RunOptions& o, const Study& study, ResultStore& store,
                    std::vector<std::string>& sources) {
  for (const std::string& path : o.reuse) {
    const ReuseReport r = reuse_finished_tasks(path, study, store);
    fmt::print("reused {} finished task(s) from {}", r.reused, path);
    std::vector<std::string> skipped;
    if (r.already) skipped.push_back(fmt::format("{} already here", r.already));
    if (r.not_done) skipped.push_back(fmt::format("{} failed there", r.not_done));
    if (r.missing_outputs)
      skipped.push_back(
          fmt::format("{} without the weights or statistics kept here", r.missing_outputs));
    if (r.other) skipped.push_back(fmt::format("{} not tasks of this study", r.other));
    fmt::print("{}\n",
               skipped.empty() ? "" : fmt::format(" (skipped: {})", fmt::join(skipped, ", ")));
    if (r.reused > 0 && std::find(sources.begin(), sources.end(), r.source) == sources.end())
      sources.push_back(r.source);
  }
}

int coordinate_and_store(const RunOptions& o, const Study& study, const StopSignals& signals,
                         const MpiSession* mpi) {
  const Shard shard = parse_shard(o.shard);  // before anything is written
  const double started = unix_time();
  std::vector<std::string> reused_from;  // filled before the first checkpoint below
  ResultStore store(
      o.archive, study, shard.str(),
      [&](const std::vector<std::string>& task_hosts) {
        return provenance(study, task_hosts, mpi ? mpi->size() : 1, started, reused_from, shard);
      },
      o.checkpoint_interval, o.allow_mixed_builds);
  // Where reused tasks came from must outlive this run: a resumed run keeps the sources.
  reused_from = store.earlier_reused_from();
  fmt::print("study {}: {} tasks in {} stages; archive {}\n", study.name, study.tasks.size(),
             study.stages.size(), o.archive);
  int failed_before = 0;
  for (const auto& [index, t] : store.tasks()) failed_before += t.status != TaskStatus::Done;
  if (!store.tasks().empty())
    fmt::print("resuming: {} tasks already finished ({} failed{})\n", store.tasks().size(),
               failed_before, o.retry_failed ? ", retried now" : "");
  for (const std::string& problem : store.journal_problems()) fmt::print("warning: {}\n", problem);
  if (store.study_text_changed())
    fmt::print(
        "note: the study file's text changed since the archive was written, but none of "
        "its tasks did; the archive keeps the new text\n");
  reuse_archives(o, study, store, reused_from);
  // At once, an archive that `status` can read: it also folds in what a crashed run journaled.
  store.checkpoint();
  FinishedTasks finished;
  for (const auto& [index, t] : store.tasks())
    if (t.status == TaskStatus::Done || !o.retry_failed) finished.status[index] = t.status;
  finished.weights = [&](int index) { return store.weights(index); };
  const int workers = mpi && mpi->size() > 1 ? mpi->size() - 1 : o.threads;
  fmt::print("{} worker{} ({})\n", workers, workers == 1 ? "" : "s",
             mpi && mpi->size() > 1 ? fmt::format("MPI ranks 1..{}", mpi->size() - 1)
                                    : "threads of this process");
  std::fflush(stdout);

  // Under mpirun, stdout may be a pseudo-terminal that ends in a log file: print lines there.
  const bool tty = isatty(STDOUT_FILENO) && !mpi;
  CoordinatorOptions options;
  options.stop_requested = [&] { return signals.received(); };
  options.progress_interval = o.progress_interval > 0 ? o.progress_interval : (tty ? 1.0 : 30.0);
  options.progress = [tty](const SweepProgress& p) { print_progress(p, tty); };
  options.shard = shard;
  if (!options.shard.whole())
    fmt::print("shard {}: tasks whose first-stage ancestor's index % {} == {}\n",
               options.shard.str(), options.shard.count, options.shard.index);

  const auto sweep_started = std::chrono::steady_clock::now();
  SweepOutcome outcome;
  if (mpi && mpi->size() > 1) {
    const auto link = make_mpi_coordinator_link(*mpi);
    outcome = coordinate(study, finished, *link, store, options);
  } else {
    InProcessHub hub(workers);
    const WorkerThreads threads(hub, [&](int w) {
      run_worker(study, hub.worker(w), {0, host_name()}, [&] { return signals.received(); });
    });
    outcome = coordinate(study, finished, hub.coordinator(), store, options);
  }
  if (tty) fmt::print("\n");

  const auto write_started = std::chrono::steady_clock::now();
  store.close();
  const auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  const double write_seconds = seconds_since(write_started);
  const double sweep_seconds = seconds_since(sweep_started);
  int failed = 0;
  for (const auto& [i, t] : store.tasks()) failed += t.status != TaskStatus::Done;
  fmt::print(
      "archive written: {} ({} of {} tasks finished, {} failed); sweep time {:.3f} s, of which "
      "the final archive write {:.3f} s\n",
      o.archive, store.tasks().size(), outcome.final.total, failed, sweep_seconds, write_seconds);
  const CheckpointTimes& times = store.checkpoint_times();
  fmt::print("checkpoints: {}, mean {:.1f} ms, max {:.1f} ms; the largest wrote {} task(s)\n",
             times.count, 1e3 * times.total_seconds / std::max(times.count, 1),
             1e3 * times.max_seconds, times.most_tasks);
  for (const std::string& f : outcome.new_failures) fmt::print("  failed: {}\n", f);
  if (outcome.stopped_early) {
    fmt::print("stopped on signal {} before the end; run the same command again to resume\n",
               signals.signal_number());
    return kExitStopped;
  }
  if (failed > 0) {
    fmt::print("{} task(s) failed; `noisesweep status {}` lists them, --retry-failed reruns them\n",
               failed, o.archive);
    return kExitFailedTasks;
  }
  return 0;
}

// Said once, before the run starts, by the process that coordinates (every rank reads the
// study): what fits in memory but comes close (load_study has refused what cannot fit).
// `tasks_at_once`: the tasks this process runs beside the coordinator.
void warn_before_start(const Study& study, int tasks_at_once) {
  std::vector<std::string> warnings =
      study_memory_warnings(study, estimate_study_memory(study), machine_memory(), tasks_at_once);
  for (const std::string& warning : warnings)
    fmt::print(stderr, "noisesweep: warning: {}\n", warning);
  std::fflush(stderr);
}

}  // namespace

int run_study(const RunOptions& o) {
  const Study study = load_study(o.study_file);
  const StopSignals signals;
  if (!launched_by_mpi()) {
    warn_before_start(study, o.threads);
    return coordinate_and_store(o, study, signals, nullptr);
  }

  const MpiSession mpi;
  if (mpi.rank() == 0) warn_before_start(study, 1);
  if (mpi.rank() != 0) {
    const auto link = make_mpi_worker_link(mpi);
    run_worker(study, *link, {mpi.rank(), host_name()}, [&] { return signals.received(); });
    return 0;
  }
  try {
    return coordinate_and_store(o, study, signals, &mpi);
  } catch (const std::exception& e) {
    // The workers wait for the coordinator: take them down with it rather than hang.
    fmt::print(stderr, "noisesweep: error: {}\n", e.what());
    std::fflush(stderr);
    mpi.abort(kExitFailedTasks);
  }
}

Command add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run a study: every task of every stage, into one HDF5 archive.\n"
      "Under mpirun, rank 0 coordinates and writes the archive and every other rank runs tasks;\n"
      "on N cores use N+1 ranks (the coordinator sleeps while it waits), e.g.\n"
      "  mpirun -np 3 --oversubscribe noisesweep run study.toml\n"
      "Run the same command again after a crash or a stop to resume. Exit codes: 0 all done,\n"
      "1 some task failed (or an error), 3 stopped by a signal before the end (resumable).");
  cmd->add_option("study", o->study_file, "Study file (TOML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--archive", o->archive,
                  "Archive to write or resume (default: runs/STUDY_NAME.h5)")
      ->check(output_file("name.h5"));
  cmd->add_flag("--retry-failed", o->retry_failed, "Run tasks that failed before again");
  cmd->add_option("--progress-interval", o->progress_interval,
                  "Seconds between progress lines (default: 1 on a terminal, 30 otherwise)");
  cmd->add_option("--checkpoint-interval", o->checkpoint_interval,
                  "Seconds between rewrites of the archive from the journal during the run")
      ->capture_default_str()
      ->check(positive_number());
  cmd->add_option("--shard", o->shard,
                  "Run only shard I of K (I/K, 0-based): the tasks descending from every K-th\n"
                  "first-stage task. Each shard writes its own archive; `merge` joins them.")
      ->capture_default_str();
  cmd->add_option("--reuse", o->reuse,
                  "Copy in the finished tasks of this study that another archive holds (same\n"
                  "stage, settings, seed and parent: the same computation), e.g. the archive of\n"
                  "an earlier version of the study with fewer seeds or stages. Repeatable.")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--allow-mixed-builds", o->allow_mixed_builds,
                "Resume, or --reuse tasks of, an archive whose finished tasks another build of\n"
                "noisesweep computed (another compiler, flags or instruction set, whose results\n"
                "can differ in the last bits). Refused without it; each task records its build.");
  cmd->add_option("--threads", o->threads,
                  "Worker threads when run without mpirun (one task per thread)")
      ->capture_default_str()
      ->check(integer_in(1, 1024));
  return {cmd, [o] {
            RunOptions options = *o;
            if (options.archive.empty())
              options.archive = "runs/" + load_study(options.study_file).name + ".h5";
            return run_study(options);
          }};
}

}  // namespace ns::cli
