// Fault rule parsing and selection; see fault_plan.hpp.
#include "fault_plan.hpp"

#include "chance.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace orders_server {
namespace {

struct kind_info {
    fault_kind kind;
    std::string_view name;
    fault_stage stage;
};

constexpr std::array<kind_info, fault_kind_count> kinds = {{
    {fault_kind::not_found, "404", fault_stage::status},
    {fault_kind::redirect_301, "redirect-301", fault_stage::status},
    {fault_kind::redirect_302, "redirect-302", fault_stage::status},
    {fault_kind::redirect_307, "redirect-307", fault_stage::status},
    {fault_kind::redirect_308, "redirect-308", fault_stage::status},
    {fault_kind::retry_after_date, "429-date", fault_stage::status},
    {fault_kind::retry_after_none, "429-none", fault_stage::status},
    {fault_kind::retry_after_garbage, "429-garbage", fault_stage::status},
    {fault_kind::retry_after_negative, "429-negative", fault_stage::status},
    {fault_kind::retry_after_huge, "429-huge", fault_stage::status},
    {fault_kind::json_null, "json-null", fault_stage::body},
    {fault_kind::json_missing, "json-missing", fault_stage::body},
    {fault_kind::json_extra, "json-extra", fault_stage::body},
    {fault_kind::json_numbers, "json-numbers", fault_stage::body},
    {fault_kind::invalid_json, "invalid-json", fault_stage::body},
    {fault_kind::gzip, "gzip", fault_stage::encoding},
    {fault_kind::gzip_always, "gzip-always", fault_stage::encoding},
    {fault_kind::chunked, "chunked", fault_stage::delivery},
    {fault_kind::no_length, "no-length", fault_stage::delivery},
    {fault_kind::short_body, "short-body", fault_stage::delivery},
    {fault_kind::reset, "reset", fault_stage::delivery},
    {fault_kind::stall, "stall", fault_stage::delivery},
    {fault_kind::drip, "drip", fault_stage::delivery},
}};

const kind_info& info_of(fault_kind kind) {
    return kinds[static_cast<std::size_t>(kind)];
}

[[noreturn]] void fail(std::string_view spec, std::string_view why) {
    throw std::invalid_argument("bad fault '" + std::string(spec) + "': "
                                + std::string(why));
}

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        auto pos = text.find(separator, start);
        parts.push_back(text.substr(start, pos - start));
        if (pos == std::string_view::npos) {
            return parts;
        }
        start = pos + 1;
    }
}

double parse_probability(std::string_view spec, std::string_view text) {
    auto p = parse_number<double>(text);
    if (!p || !std::isfinite(*p) || *p < 0.0 || *p > 1.0) {
        fail(spec, "probability must be a number in [0, 1], saw '"
                       + std::string(text) + "'");
    }
    return *p;
}

// `3,7,9` or ranges `10..20`; `..` keeps negative ids unambiguous.
void parse_ids(std::string_view spec, std::string_view list,
               fault_rule& rule) {
    for (std::string_view item : split(list, ',')) {
        auto dots = item.find("..");
        auto low = parse_number<std::int64_t>(item.substr(0, dots));
        auto high = dots == std::string_view::npos
            ? low
            : parse_number<std::int64_t>(item.substr(dots + 2));
        if (!low || !high || *low > *high) {
            fail(spec, "expected an id or LOW..HIGH, saw '"
                           + std::string(item) + "'");
        }
        rule.ids.emplace_back(*low, *high);
    }
}

void parse_option(std::string_view spec, std::string_view option,
                  fault_rule& rule) {
    auto eq = option.find('=');
    if (eq == std::string_view::npos) {
        rule.probability = parse_probability(spec, option);
        return;
    }

    std::string_view key = option.substr(0, eq);
    std::string_view value = option.substr(eq + 1);
    if (key == "p") {
        rule.probability = parse_probability(spec, value);
    } else if (key == "ids") {
        parse_ids(spec, value, rule);
    } else if (key == "times") {
        auto n = parse_number<int>(value);
        if (!n || *n < 1) {
            fail(spec, "times must be a positive integer");
        }
        rule.times = *n;
    } else if (key == "ms") {
        auto n = parse_number<int>(value);
        if (!n || *n < 0) {
            fail(spec, "ms must be a non-negative integer");
        }
        if (rule.kind != fault_kind::stall && rule.kind != fault_kind::drip) {
            fail(spec, "ms= only applies to stall and drip");
        }
        rule.ms = *n;
    } else {
        fail(spec, "unknown option '" + std::string(key)
                       + "' (expected p, ids, times or ms)");
    }
}

}  // namespace

std::string_view fault_name(fault_kind kind) {
    return info_of(kind).name;
}

fault_stage stage_of(fault_kind kind) {
    return info_of(kind).stage;
}

bool is_redirect(fault_kind kind) {
    return kind == fault_kind::redirect_301 || kind == fault_kind::redirect_302
        || kind == fault_kind::redirect_307
        || kind == fault_kind::redirect_308;
}

std::string fault_rule::describe() const {
    std::string text(fault_name(kind));
    if (probability < 1.0) {
        char number[32];
        std::snprintf(number, sizeof number, "%g", probability);
        text += ":p=";
        text += number;
    }
    if (!ids.empty()) {
        text += ":ids=";
        for (std::size_t i = 0; i < ids.size(); ++i) {
            text += (i > 0 ? "," : "") + std::to_string(ids[i].first);
            if (ids[i].second != ids[i].first) {
                text += ".." + std::to_string(ids[i].second);
            }
        }
    }
    if (times > 0) {
        text += ":times=" + std::to_string(times);
    }
    if (ms) {
        text += ":ms=" + std::to_string(*ms);
    }
    return text;
}

fault_rule parse_fault_rule(std::string_view spec) {
    std::vector<std::string_view> parts = split(spec, ':');

    fault_rule rule;
    bool known = false;
    for (const kind_info& info : kinds) {
        if (info.name == parts[0]) {
            rule.kind = info.kind;
            known = true;
        }
    }
    if (!known) {
        fail(spec, "unknown kind '" + std::string(parts[0])
                       + "' (see --help for the list)");
    }

    for (std::size_t i = 1; i < parts.size(); ++i) {
        parse_option(spec, parts[i], rule);
    }
    return rule;
}

fault_plan::fault_plan(std::vector<fault_rule> rules)
    : rules_(std::move(rules)) {}

fault_choice fault_plan::choose(std::int64_t id, bool already_redirected) {
    fault_choice choice;
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        const fault_rule& rule = rules_[i];
        if (already_redirected && is_redirect(rule.kind)) {
            continue;
        }

        const fault_rule** slot = nullptr;
        switch (stage_of(rule.kind)) {
        case fault_stage::status: slot = &choice.status; break;
        case fault_stage::body: slot = &choice.body; break;
        case fault_stage::encoding: slot = &choice.encoding; break;
        case fault_stage::delivery: slot = &choice.delivery; break;
        }
        if (*slot == nullptr && fires(i, id)) {
            *slot = &rule;
        }

        // A status fault replaces the whole answer; rolling the later
        // stages would only burn their `times=` budgets for nothing.
        if (choice.status != nullptr) {
            return fault_choice{choice.status};
        }
    }
    return choice;
}

bool fault_plan::fires(std::size_t index, std::int64_t id) {
    const fault_rule& rule = rules_[index];
    if (!rule.ids.empty()) {
        bool listed = false;
        for (const auto& [low, high] : rule.ids) {
            listed = listed || (id >= low && id <= high);
        }
        if (!listed) {
            return false;
        }
    }

    if (!random_chance(rule.probability)) {
        return false;
    }
    if (rule.times == 0) {
        return true;
    }

    std::lock_guard<std::mutex> lock(mutex_);
    int& hits = hits_[{index, id}];
    if (hits >= rule.times) {
        return false;
    }
    ++hits;
    return true;
}

outage_window parse_outage(std::string_view spec) {
    auto colon = spec.find(':');
    auto start = parse_number<double>(spec.substr(0, colon));
    auto duration = colon == std::string_view::npos
        ? std::nullopt
        : parse_number<double>(spec.substr(colon + 1));
    if (!start || !duration || !std::isfinite(*start)
        || !std::isfinite(*duration) || *start < 0 || *duration <= 0) {
        throw std::invalid_argument(
            "bad outage '" + std::string(spec)
            + "': expected START_S:DURATION_S with START_S >= 0 and "
              "DURATION_S > 0");
    }
    return outage_window{*start, *duration};
}

std::optional<double> outage_remaining(
    const std::vector<outage_window>& outages, double elapsed_s) {
    for (const outage_window& w : outages) {
        double end = w.start_s + w.duration_s;
        if (elapsed_s >= w.start_s && elapsed_s < end) {
            return end - elapsed_s;
        }
    }
    return std::nullopt;
}

}  // namespace orders_server
