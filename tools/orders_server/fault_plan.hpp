// Fault injection rules: what can go wrong with an order response, and
// for which requests.
//
// A rule comes from one `--fault KIND[:OPTION]...` flag (syntax in
// README.md and --help). Kinds fall into four stages that a response
// passes through in order; within each stage the first matching rule, in
// command-line order, wins, so stages combine (gzip + chunked + drip) but
// two faults of one stage never do:
//   status    answer something other than the order (404, 3xx, 429 forms)
//   body      change the JSON text (nulls, missing or extra fields, ...)
//   encoding  gzip the body
//   delivery  how bytes reach the socket (chunked, reset, stall, drip, ...)
// Faults only touch responses that would otherwise be a 200 order.
//
// Outages are separate: time windows after startup in which item requests
// answer 503.
//
// fault_plan is built once at startup; choose() is then called from any
// handler thread and locks only to count `times=` hits.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orders_server {

enum class fault_kind : std::uint8_t {
    not_found,
    redirect_301,
    redirect_302,
    redirect_307,
    redirect_308,
    retry_after_date,
    retry_after_none,
    retry_after_garbage,
    retry_after_negative,
    retry_after_huge,
    json_null,
    json_missing,
    json_extra,
    json_numbers,
    invalid_json,
    gzip,
    gzip_always,
    chunked,
    no_length,
    short_body,
    reset,
    stall,
    drip,
};

/// Number of fault kinds, for tables indexed by kind.
constexpr std::size_t fault_kind_count =
    static_cast<std::size_t>(fault_kind::drip) + 1;

enum class fault_stage { status, body, encoding, delivery };

/// The flag spelling of `kind`, e.g. "short-body"; also used in /stats.
std::string_view fault_name(fault_kind kind);

fault_stage stage_of(fault_kind kind);

/// Whether `kind` is one of the redirect kinds.
bool is_redirect(fault_kind kind);

/// One parsed `--fault` flag.
struct fault_rule {
    fault_kind kind = fault_kind::reset;
    double probability = 1.0;
    /// Inclusive id ranges; empty means every id.
    std::vector<std::pair<std::int64_t, std::int64_t>> ids;
    /// Fire at most this many times per id; 0 means no limit.
    int times = 0;
    /// Stall length or drip delay per byte in ms; nullopt means default.
    std::optional<int> ms;

    /// The rule written back in flag syntax, for the service info.
    std::string describe() const;
};

/// Parses `KIND[:OPTION]...`; throws std::invalid_argument with a message
/// naming the bad part.
fault_rule parse_fault_rule(std::string_view spec);

/// The rule chosen for each stage of one response, or null for none.
struct fault_choice {
    const fault_rule* status = nullptr;
    const fault_rule* body = nullptr;
    const fault_rule* encoding = nullptr;
    const fault_rule* delivery = nullptr;
};

class fault_plan {
public:
    explicit fault_plan(std::vector<fault_rule> rules);

    /// Picks the faults for one response to item `id`. Redirect rules are
    /// skipped when `already_redirected`, so a moved item cannot loop.
    /// Thread-safe.
    fault_choice choose(std::int64_t id, bool already_redirected);

    const std::vector<fault_rule>& rules() const { return rules_; }

private:
    bool fires(std::size_t index, std::int64_t id);

    std::vector<fault_rule> rules_;
    std::mutex mutex_;
    std::map<std::pair<std::size_t, std::int64_t>, int> hits_;
};

/// A period after startup during which item requests answer 503.
struct outage_window {
    double start_s = 0;
    double duration_s = 0;
};

/// Parses `START_S:DURATION_S` (decimals allowed); throws
/// std::invalid_argument.
outage_window parse_outage(std::string_view spec);

/// Seconds left in the outage covering `elapsed_s`, or nullopt if none.
std::optional<double> outage_remaining(
    const std::vector<outage_window>& outages, double elapsed_s);

}  // namespace orders_server
