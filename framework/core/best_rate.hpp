#pragma once
// The rate of a piece of work on one core, measured so that a loaded machine lowers it little.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace ns {

// Units of work per second of `run(n)`, which does n units on the calling thread: the best of
// many samples of at least `sample_seconds` each, over about `seconds` of wall time in all. Each
// sample is timed in the thread's CPU time, which excludes the time the scheduler gives the core
// to other processes; what such processes still cost (a share of the caches) varies between
// samples, and the best sample is the one they cost least.
template <class Run>
double best_rate(Run&& run, double seconds, double sample_seconds = 1e-3) {
  auto cpu_seconds = [] {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
  };
  auto time = [&](std::int64_t n) {
    const double start = cpu_seconds();
    run(n);
    return std::max(cpu_seconds() - start, 1e-9);
  };
  time(1);  // the warm-up: caches, page faults, a library's first-call setup
  std::int64_t n = 1;
  double t;
  while ((t = time(n)) < sample_seconds && n < (std::int64_t(1) << 40)) n *= 2;
  double best = double(n) / t;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (int samples = 1; samples < 5 || std::chrono::steady_clock::now() < end; ++samples)
    best = std::max(best, double(n) / time(n));
  return best;
}

}  // namespace ns
