// exit_codes: what fetchctl's exit status means. Documented in the README;
// scripts depend on these numbers, so they never change meaning.
#pragma once

namespace fetchctl::exit_code {

inline constexpr int ok = 0;           // every item was written
inline constexpr int items_failed = 1; // the run finished; some items failed
inline constexpr int config_error = 2; // bad usage, config or plugin setup
inline constexpr int run_error = 3;    // the run stopped: sink or plugin error
inline constexpr int interrupted = 130; // SIGINT/SIGTERM; rerun to resume

} // namespace fetchctl::exit_code
