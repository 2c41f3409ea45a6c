// progress.cpp: see progress.hpp.
#include "progress.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

namespace fetchctl {
namespace {

using namespace std::chrono_literals;

// Whether a status line is on screen; log lines check it from any thread.
std::atomic<bool> line_drawn{false};

constexpr auto redraw_every = 500ms;
constexpr auto rate_window = 5s;

std::string format_duration(double seconds) {
    if (seconds < 0)
        return "?";
    const auto whole = static_cast<long long>(std::ceil(seconds));
    if (whole < 60)
        return fmt::format("{} s", whole);
    if (whole < 3600)
        return fmt::format("{} min {:02} s", whole / 60, whole % 60);
    return fmt::format("{} h {:02} min", whole / 3600, (whole % 3600) / 60);
}

} // namespace

double estimate_seconds_left(const progress_snapshot &s, double recent_rate) {
    if (s.done >= s.total)
        return 0;
    // The limit bounds the pace; a slower server or transport bounds it
    // further, which the recent rate shows.
    double rate = recent_rate;
    if (s.target_rate > 0)
        rate = recent_rate > 0 ? std::min(s.target_rate, recent_rate) : s.target_rate;
    if (rate <= 0)
        return -1;

    // Requests per finished item so far, retries included; at least one.
    const double per_item =
        s.done_this_run > 0
            ? std::max(1.0, static_cast<double>(s.requests) / static_cast<double>(s.done_this_run))
            : 1.0;
    const double items_left = static_cast<double>(s.total - s.done);
    const double requests_left =
        std::max(0.0, items_left * per_item - static_cast<double>(s.in_flight)) +
        static_cast<double>(s.retries_waiting);
    return s.pause_left_seconds + requests_left / rate;
}

std::string format_progress(const progress_snapshot &s, double recent_rate) {
    std::string line = fmt::format("{}/{} done", s.done, s.total);
    if (s.failed > 0)
        line += fmt::format(", {} failed", s.failed);
    line += fmt::format(" | {} waiting to retry, {} in flight | {:.1f} req/s", s.retries_waiting,
                        s.in_flight, recent_rate);
    if (s.target_rate > 0)
        line += fmt::format(" of {:g}", s.target_rate);
    if (s.pause_left_seconds > 0)
        line += fmt::format(" | paused {:.1f} s (429)", s.pause_left_seconds);
    line += fmt::format(" | ETA {}", format_duration(estimate_seconds_left(s, recent_rate)));
    return line;
}

progress_display::progress_display(bool force) : enabled_(force || ::isatty(STDERR_FILENO)) {}

progress_display::~progress_display() {
    if (enabled_)
        clear();
}

void progress_display::update(const progress_snapshot &snapshot, clock::time_point now) {
    if (!enabled_)
        return;
    samples_.emplace_back(now, snapshot.requests);
    while (samples_.size() > 2 && now - samples_.front().first > rate_window)
        samples_.pop_front();
    if (now - last_draw_ < redraw_every)
        return;
    last_draw_ = now;

    double recent_rate = 0;
    const double span = std::chrono::duration<double>(now - samples_.front().first).count();
    if (span > 0.2)
        recent_rate = static_cast<double>(snapshot.requests - samples_.front().second) / span;

    const std::string line = format_progress(snapshot, recent_rate);
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    line_drawn = true;
}

void progress_display::clear() {
    if (line_drawn.exchange(false)) {
        std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
    }
}

} // namespace fetchctl
