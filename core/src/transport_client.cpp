// transport_client.cpp: see transport_client.hpp.
#include "transport_client.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <fmt/format.h>

#include "plugin_host.hpp"
#include "plugin_loader.hpp"

namespace fetchctl {

namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

} // namespace

std::optional<std::string> transport_answer::header(std::string_view name) const {
    for (const auto &[key, value] : headers) {
        if (equal_ignoring_case(key, name))
            return value;
    }
    return std::nullopt;
}

bool is_policy_header(std::string_view name) {
    const auto starts_with = [&](std::string_view prefix) {
        return name.size() >= prefix.size() &&
               equal_ignoring_case(name.substr(0, prefix.size()), prefix);
    };
    return equal_ignoring_case(name, "Retry-After") || equal_ignoring_case(name, "Location") ||
           starts_with("RateLimit") || starts_with("X-RateLimit");
}

namespace {

// Spare body buffers kept for reuse: enough for every answer of a burst,
// and none so large that a single huge body stays pinned in memory.
constexpr std::size_t max_spare_bodies = 256;
constexpr std::size_t max_spare_capacity = 256 * 1024;

} // namespace

void completion_queue::push(transport_answer answer) {
    bool wake_scheduler = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        answers_.push_back(std::move(answer));
        // One notification per sleep: later pushes before the scheduler
        // runs are taken by the same take().
        wake_scheduler = waiting_;
        waiting_ = false;
    }
    if (wake_scheduler)
        ready_.notify_one();
}

void completion_queue::wake() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        woken_ = true;
    }
    ready_.notify_one();
}

void completion_queue::take(std::chrono::steady_clock::time_point deadline,
                            std::vector<transport_answer> &out) {
    out.clear();
    std::unique_lock<std::mutex> lock(mutex_);
    while (answers_.empty() && !woken_) {
        waiting_ = true;
        if (ready_.wait_until(lock, deadline) == std::cv_status::timeout)
            break;
    }
    waiting_ = false;
    woken_ = false;
    // A swap, so both vectors keep their capacity from turn to turn.
    out.swap(answers_);
}

std::string completion_queue::spare_body() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (spare_bodies_.empty())
        return {};
    std::string body = std::move(spare_bodies_.back());
    spare_bodies_.pop_back();
    return body;
}

void completion_queue::recycle(std::string body) {
    if (body.capacity() > max_spare_capacity)
        return;
    body.clear();
    std::lock_guard<std::mutex> lock(mutex_);
    if (spare_bodies_.size() < max_spare_bodies)
        spare_bodies_.push_back(std::move(body));
}

transport_client::transport_client(std::shared_ptr<const loaded_plugin> plugin,
                                   plugin_host &host, completion_queue &queue)
    : plugin_(std::move(plugin)), table_(plugin_->descriptor().transport), queue_(queue) {
    const int32_t status = table_->create(host.abi(), &transport_client::on_complete, this,
                                          &instance_);
    const bool created = status == FC_OK && instance_ != nullptr;
    host.check_after_create(created, [this] { table_->destroy(instance_); });
    if (!created)
        throw std::runtime_error(fmt::format("transport \"{}\" failed to start (see the log)",
                                             plugin_->name()));
    max_in_flight_ = std::max<std::uint32_t>(1, table_->max_in_flight(instance_));
    name_ = plugin_->name();
}

transport_client::transport_client(const fc_transport_v1 *table, std::string name,
                                   const std::function<void *(fc_completion_fn, void *)> &start,
                                   completion_queue &queue)
    : table_(table), name_(std::move(name)), queue_(queue) {
    instance_ = start(&transport_client::on_complete, this);
    max_in_flight_ = std::max<std::uint32_t>(1, table_->max_in_flight(instance_));
}

transport_client::~transport_client() {
    if (instance_)
        table_->destroy(instance_);
}

std::string transport_client::name() const {
    return name_;
}

bool transport_client::submit(const fc_request_v1 &request) {
    return table_->submit(instance_, &request) == FC_OK;
}

void transport_client::on_complete(void *ctx, const fc_response_v1 *response) {
    // Runs on a transport thread: copy and hand over, nothing more. Fields
    // are read only if the plugin's struct is large enough to have them.
    if (!ctx || !response)
        return;
    auto &client = *static_cast<transport_client *>(ctx);

    transport_answer answer;
    answer.request_id = response->request_id;
    answer.transport_error = response->transport_error;
    if (response->error_message)
        answer.error_message = response->error_message;
    answer.status = response->status;
    for (std::size_t i = 0; i < response->header_count && response->headers; ++i) {
        const fc_header_v1 &h = response->headers[i];
        if (h.name && is_policy_header(h.name))
            answer.headers.emplace_back(h.name, h.value ? h.value : "");
    }
    if (response->body && response->body_size > 0) {
        answer.body = client.queue_.spare_body();
        answer.body.assign(response->body, response->body_size);
    }
    client.queue_.push(std::move(answer));
}

} // namespace fetchctl
