// run_stats.cpp: see run_stats.hpp.
#include "run_stats.hpp"

#include <fmt/format.h>

namespace fetchctl {

std::uint64_t run_stats::total_retries() const {
    std::uint64_t sum = 0;
    for (auto count : retries)
        sum += count;
    return sum;
}

std::string format_summary(const run_stats &s, const std::string &output,
                           const std::string &failed_output, const std::string &ending) {
    std::string text = fmt::format("summary: {}\n", ending);
    text += fmt::format("  items      {} written, {} failed, of {}", s.written, s.failed,
                        s.total_items);
    if (s.left_for_next_run > 0)
        text += fmt::format(" ({} left for the next run)", s.left_for_next_run);
    if (s.resumed_written + s.resumed_failed > 0)
        text += fmt::format("\n  resumed    {} written and {} failed by earlier runs",
                            s.resumed_written, s.resumed_failed);

    const double rate = s.elapsed_seconds > 0 ? s.requests / s.elapsed_seconds : 0.0;
    text += fmt::format("\n  requests   {} in {:.1f} s ({:.1f}/s)", s.requests,
                        s.elapsed_seconds, rate);

    const auto &r = s.retries;
    text += fmt::format(
        "\n  retries    {} (429: {}, 5xx: {}, timeout: {}, connection: {}, protocol: {})",
        s.total_retries(), r[static_cast<int>(retry_cause::rate_limited)],
        r[static_cast<int>(retry_cause::server_error)], r[static_cast<int>(retry_cause::timeout)],
        r[static_cast<int>(retry_cause::connection)], r[static_cast<int>(retry_cause::protocol)]);
    if (s.redirects > 0)
        text += fmt::format(", {} redirects followed", s.redirects);

    std::string answers;
    for (const auto &[status, count] : s.statuses)
        answers += fmt::format("{}{}: {}", answers.empty() ? "" : ", ", status, count);
    for (const auto &[kind, count] : s.transport_errors)
        answers += fmt::format("{}{}: {}", answers.empty() ? "" : ", ", kind, count);
    if (!answers.empty())
        text += fmt::format("\n  answers    {}", answers);

    text += fmt::format("\n  output     {}", output);
    if (s.failed > 0)
        text += fmt::format("\n  failed ids {}", failed_output);
    return text;
}

} // namespace fetchctl
