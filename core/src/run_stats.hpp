// run_stats: the figures a run gathers as it goes, and the summary printed
// at its end. Owned and updated by the scheduler thread only.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "latency_histogram.hpp"
#include "retry_policy.hpp"

namespace fetchctl {

struct run_stats {
    std::uint64_t total_items = 0;
    std::uint64_t written = 0;          // this run and earlier ones (resume)
    std::uint64_t failed = 0;           // this run and earlier ones (resume)
    std::uint64_t resumed_written = 0;  // of `written`, by earlier runs
    std::uint64_t resumed_failed = 0;   // of `failed`, by earlier runs
    std::uint64_t requests = 0;
    std::uint64_t redirects = 0;
    std::array<std::uint64_t, retry_cause_count> retries{};
    std::map<int, std::uint64_t> statuses;          // HTTP status -> answers
    std::map<std::string, std::uint64_t> transport_errors; // kind -> count
    std::uint64_t left_for_next_run = 0; // interrupted runs
    latency_histogram latency;           // submit to answer, every request
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    double elapsed_seconds = 0;

    std::uint64_t total_retries() const;
};

/// What the summary's files and plugins were; for both summaries.
struct run_labels {
    std::string ending; // "complete", "interrupted; ..."
    std::string run_id;
    std::string output;
    std::string failed_output;
    std::string transport;
    std::string sink;
};

/// The same figures as JSON, for dashboards and CI (--summary-json).
std::string format_summary_json(const run_stats &stats, const run_labels &labels);

/// The human summary, several lines, no trailing newline.
std::string format_summary(const run_stats &stats, const run_labels &labels);

} // namespace fetchctl
