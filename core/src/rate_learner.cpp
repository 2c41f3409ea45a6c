// rate_learner.cpp: see rate_learner.hpp.
#include "rate_learner.hpp"

#include <algorithm>
#include <cstdlib>

namespace fetchctl {
namespace {

using namespace std::chrono_literals;

constexpr double safety = 0.95;       // stay this far under a learned budget
constexpr double growth = 1.02;       // creep-up step
constexpr double backoff_step = 0.85; // fall per burst of 429s
constexpr auto calm_before_growth = 10s;
constexpr double lowest_rate = 0.1;

std::optional<double> number(const std::optional<std::string> &text) {
    if (!text)
        return std::nullopt;
    char *end = nullptr;
    const double value = std::strtod(text->c_str(), &end);
    if (end == text->c_str())
        return std::nullopt;
    return value;
}

} // namespace

std::optional<std::pair<double, double>> parse_rate_limit_policy(std::string_view value) {
    const auto comma = value.find(',');
    std::string item(value.substr(0, comma));
    char *end = nullptr;
    const double limit = std::strtod(item.c_str(), &end);
    if (end == item.c_str() || limit <= 0)
        return std::nullopt;
    const auto w = item.find("w=");
    if (w == std::string::npos)
        return std::nullopt;
    const double window = std::strtod(item.c_str() + w + 2, &end);
    if (window <= 0)
        return std::nullopt;
    return std::make_pair(limit, window);
}

rate_learner::rate_learner(double initial_rate, clock::time_point start)
    : rate_(std::max(initial_rate, lowest_rate)), last_change_(start) {}

rate_learner::advice rate_learner::on_answer(clock::time_point sent, clock::time_point now,
                                             int status, const header_lookup &header,
                                             std::chrono::system_clock::time_point wall_now) {
    advice result;

    // 1. The budget, when the server states it.
    if (auto policy = header("RateLimit-Policy")) {
        if (auto parsed = parse_rate_limit_policy(*policy)) {
            const double stated = safety * parsed->first / parsed->second;
            ceiling_ = stated;
            if (std::abs(stated - rate_) > 0.01 * rate_) {
                rate_ = std::max(stated, lowest_rate);
                last_change_ = now;
                result.rate = rate_;
            }
        }
    }

    // 2. Nothing left in this window: wait for its reset.
    auto remaining = number(header("RateLimit-Remaining"));
    if (!remaining)
        remaining = number(header("X-RateLimit-Remaining"));
    auto reset = number(header("RateLimit-Reset"));
    if (!reset)
        reset = number(header("X-RateLimit-Reset"));
    if (remaining && *remaining <= 0 && reset && *reset >= 0) {
        double seconds = *reset;
        if (seconds > 1e9) // an epoch time, as some APIs send
            seconds -= std::chrono::duration<double>(wall_now.time_since_epoch()).count();
        seconds = std::clamp(seconds, 0.0, 3600.0);
        result.pause_until = now + std::chrono::duration_cast<clock::duration>(
                                       std::chrono::duration<double>(seconds));
    }

    // 3. Learn from what was accepted and refused.
    if (!first_send_ || sent < *first_send_)
        first_send_ = sent;
    while (!accepted_sends_.empty() && accepted_sends_.front() < now - 2s)
        accepted_sends_.pop_front();
    if (status != 429) {
        accepted_sends_.push_back(sent);
        // Grow only while the rate is what holds the run back: the server
        // really took close to `rate_` requests in the last second.
        const auto accepted_last_second = std::count_if(
            accepted_sends_.begin(), accepted_sends_.end(),
            [&](clock::time_point t) { return t >= now - 1s; });
        const bool rate_binds = static_cast<double>(accepted_last_second) >= 0.9 * rate_;
        if (rate_binds && now - last_change_ >= calm_before_growth) {
            const double grown = rate_ * growth;
            rate_ = ceiling_ ? std::min(grown, *ceiling_) : grown;
            last_change_ = now;
            result.rate = rate_;
        }
        if (!rate_binds && now - last_change_ >= calm_before_growth)
            last_change_ = now; // calm, but not at the limit: no reason to grow
        return result;
    }

    if (last_decrease_ && now - *last_decrease_ < 1s)
        return result; // the same burst of 429s: counted once
    const auto accepted_in_window = std::count_if(
        accepted_sends_.begin(), accepted_sends_.end(),
        [&](clock::time_point t) { return t >= sent - 1s && t < sent; });
    // The count over-estimates a server with fixed windows (the last second
    // can straddle two of them), so it is only a ceiling; the rate also
    // falls by a fixed step, and a few 429s bring it under the budget.
    // Within the first second of sending, the count covers less than a
    // second and would under-estimate: only the fixed step applies then.
    const bool full_second = sent - *first_send_ >= 1s;
    const double budget = full_second ? static_cast<double>(std::max<long>(accepted_in_window, 1))
                                      : rate_;
    rate_ = std::max(std::min(rate_ * backoff_step, budget * safety), lowest_rate);
    last_change_ = now;
    last_decrease_ = now;
    result.rate = rate_;
    return result;
}

} // namespace fetchctl
