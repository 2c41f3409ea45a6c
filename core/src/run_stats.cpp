// run_stats.cpp: see run_stats.hpp.
#include "run_stats.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace fetchctl {

std::uint64_t run_stats::total_retries() const {
    std::uint64_t sum = 0;
    for (auto count : retries)
        sum += count;
    return sum;
}

std::string format_summary(const run_stats &s, const run_labels &labels) {
    std::string text = fmt::format("summary: {}\n", labels.ending);
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
    if (s.latency.count() > 0)
        text += fmt::format("\n  latency    p50 {:.0f} ms, p95 {:.0f} ms, p99 {:.0f} ms",
                            s.latency.percentile_ms(0.50), s.latency.percentile_ms(0.95),
                            s.latency.percentile_ms(0.99));

    text += fmt::format("\n  output     {}", labels.output);
    if (s.failed > 0)
        text += fmt::format("\n  failed ids {}", labels.failed_output);
    return text;
}

std::string format_summary_json(const run_stats &s, const run_labels &labels) {
    using nlohmann::json;
    json statuses = json::object();
    for (const auto &[status, count] : s.statuses)
        statuses[std::to_string(status)] = count;
    json transport_errors = json::object();
    for (const auto &[kind, count] : s.transport_errors)
        transport_errors[kind] = count;
    json retries = json::object();
    for (int cause = 0; cause < retry_cause_count; ++cause)
        retries[to_string(static_cast<retry_cause>(cause))] = s.retries[cause];
    retries["total"] = s.total_retries();

    const json summary = {
        {"ending", labels.ending},
        {"run_id", labels.run_id},
        {"items",
         {{"total", s.total_items},
          {"written", s.written},
          {"failed", s.failed},
          {"resumed_written", s.resumed_written},
          {"resumed_failed", s.resumed_failed},
          {"left_for_next_run", s.left_for_next_run}}},
        {"requests", s.requests},
        {"redirects", s.redirects},
        {"retries", retries},
        {"statuses", statuses},
        {"transport_errors", transport_errors},
        {"elapsed_seconds", s.elapsed_seconds},
        {"requests_per_second", s.elapsed_seconds > 0 ? s.requests / s.elapsed_seconds : 0.0},
        {"latency_ms",
         {{"p50", s.latency.percentile_ms(0.50)},
          {"p95", s.latency.percentile_ms(0.95)},
          {"p99", s.latency.percentile_ms(0.99)},
          {"max", s.latency.max_ms()}}},
        {"output", labels.output},
        {"failed_output", labels.failed_output},
        {"transport", labels.transport},
        {"sink", labels.sink},
    };
    return summary.dump(2);
}

} // namespace fetchctl
