// Per-thread randomness for the parts of a response that are meant to be
// unpredictable: latency, the flaky 500s and rate-based faults.
//
// Each handler thread owns its generator, so no locking is needed and no
// thread perturbs another's sequence. Order contents never come from here;
// they are derived from (seed, id) in order_generator.
#pragma once

#include <cstdint>

namespace orders_server {

/// A uniform value in [0, 1) from the calling thread's generator.
double random_fraction();

/// A uniform integer in [low, high] from the calling thread's generator.
std::int64_t random_between(std::int64_t low, std::int64_t high);

/// True with probability `p` (p <= 0 never, p >= 1 always).
bool random_chance(double p);

}  // namespace orders_server
