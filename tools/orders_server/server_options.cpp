// CLI11 front end for server_options; see server_options.hpp.
#include "server_options.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <stdexcept>

namespace orders_server {
namespace {

constexpr const char* fault_help = R"(
Faults (--fault KIND[:OPTION]..., repeatable):
  Options, in any order:
    P or p=P        fire with probability P in [0,1] (default 1)
    ids=LIST        only for these ids: 3,7,9 or ranges 10..20 (-5..5)
    times=N         fire at most N times per id, then answer normally
    ms=N            stall length (default 30000) / drip pause per byte
                    (default 10); stall and drip only
  Status kinds (replace the order answer):
    404             404 {"detail":"not found"}
    redirect-301 redirect-302 redirect-307 redirect-308
                    redirect to /moved/item/{id}, which answers normally
    429-date 429-none 429-garbage 429-negative 429-huge
                    429 whose Retry-After is an HTTP-date, absent,
                    "soon, maybe", "-3" or "999999999999"
  Body kinds:
    json-null       company, contact.phone, tax, lines[0].usage_month null
    json-missing    no status, contact.email or lines[].usage_month
    json-extra      unknown fields at every level
    json-numbers    unit_price as 1.25e1, subtotal with trailing zeros,
                    plus a "measures" object of huge/odd numbers
    invalid-json    the order text cut in half
  Encoding kinds:
    gzip            gzip the body if the request accepts gzip
    gzip-always     gzip the body regardless of Accept-Encoding
  Delivery kinds:
    chunked         Transfer-Encoding: chunked, in several chunks
    no-length       Connection: close and no Content-Length
    short-body      half the body, then close (FIN)
    reset           half the body, then reset (RST)
    stall           headers, then nothing for ms, then close
    drip            the body one byte at a time, ms apart
  At most one rule per stage (status, body, encoding, delivery) applies to
  a response: the first matching one in command-line order. Faults only
  touch responses that would otherwise be a 200 order.
  Examples: --fault reset:0.05   --fault 404:ids=3,7,9:times=2
            --fault gzip --fault chunked --fault drip:ms=2:p=0.1

Outages (--outage START_S:DURATION_S, repeatable): between START_S and
START_S+DURATION_S seconds after the server starts listening, /item,
/moved/item and /healthz answer 503 with Retry-After set to the seconds
left (rounded up).
)";

std::optional<int> parse_int(const std::string& text) {
    int value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || text.empty() || value < 0) {
        return std::nullopt;
    }
    return value;
}

// "MIN:MAX" or a single "N" meaning a fixed latency.
bool parse_latency(const std::string& text, server_options& out) {
    auto colon = text.find(':');
    auto low = parse_int(text.substr(0, colon));
    auto high = colon == std::string::npos
        ? low
        : parse_int(text.substr(colon + 1));
    if (!low || !high || *low > *high) {
        return false;
    }
    out.min_latency_ms = *low;
    out.max_latency_ms = *high;
    return true;
}

std::string check_fault(std::string& spec) {
    try {
        parse_fault_rule(spec);
        return {};
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
}

std::string check_outage(std::string& spec) {
    try {
        parse_outage(spec);
        return {};
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
}

std::string check_latency(std::string& spec) {
    server_options scratch;
    return parse_latency(spec, scratch)
        ? std::string()
        : "expected MIN:MAX or N in milliseconds, MIN <= MAX";
}

}  // namespace

parse_result parse_options(int argc, char** argv) {
    // Ranges rather than CLI::NonNegativeNumber: its error message prints
    // the full 309-digit value of DBL_MAX.
    constexpr int max_int = std::numeric_limits<int>::max();
    server_options opts;
    std::string latency = "50:150";
    std::vector<std::string> fault_specs;
    std::vector<std::string> outage_specs;

    CLI::App app{"Mock orders API for exercising fetchctl: deterministic "
                 "orders, rate limiting, latency, flaky 500s and fault "
                 "injection.",
                 "orders_server"};
    app.footer(fault_help);
    // Last one wins, so a script can append overrides to a default list.
    app.option_defaults()->multi_option_policy(
        CLI::MultiOptionPolicy::TakeLast);

    app.add_option("--host", opts.host, "Address to bind")
        ->capture_default_str();
    app.add_option("--port", opts.port, "Port to bind; 0 picks a free one")
        ->capture_default_str()->check(CLI::Range(0, 65535));
    app.add_option("--rate", opts.rate,
                   "Requests per second per client IP, in fixed windows "
                   "aligned to the clock second; 0 disables the limit")
        ->capture_default_str()->check(CLI::Range(0, max_int));
    app.add_option("--failure-rate", opts.failure_rate,
                   "Probability that an item request answers 500")
        ->capture_default_str()->check(CLI::Range(0.0, 1.0));
    app.add_option("--latency-ms", latency,
                   "Simulated latency MIN:MAX in ms, uniform; N for fixed")
        ->capture_default_str()
        ->check(CLI::Validator(check_latency, "MIN:MAX"));
    app.add_option("--seed", opts.seed,
                   "Seed of the per-id order contents")
        ->capture_default_str();
    app.add_option("--max-id", opts.max_id,
                   "Ids above this answer 404 (default: no limit)");
    app.add_option("--threads", opts.threads,
                   "Handler threads, i.e. connections served at once")
        ->capture_default_str()->check(CLI::Range(1, 4096));
    app.add_option("--max-keepalive-requests", opts.max_keepalive_requests,
                   "Requests per connection before the server closes it; "
                   "0 = unlimited")
        ->capture_default_str()->check(CLI::Range(0, max_int));
    app.add_option("--listen-delay-ms", opts.listen_delay_ms,
                   "Wait this long before binding (clients are refused "
                   "until then)")
        ->capture_default_str()->check(CLI::Range(0, max_int));
    app.add_option("--fault", fault_specs,
                   "Inject a fault: KIND[:OPTION]... (see below)")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->check(CLI::Validator(check_fault, "KIND[:OPTION]..."));
    app.add_option("--outage", outage_specs,
                   "503 outage START_S:DURATION_S after startup")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->check(CLI::Validator(check_outage, "START_S:DURATION_S"));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_result{std::nullopt, app.exit(e)};
    }

    parse_latency(latency, opts);
    for (const std::string& spec : fault_specs) {
        opts.faults.push_back(parse_fault_rule(spec));
    }
    for (const std::string& spec : outage_specs) {
        opts.outages.push_back(parse_outage(spec));
    }
    return parse_result{std::move(opts), 0};
}

}  // namespace orders_server
