// transport_harness: one plugin instance under test (see the header).
#include "transport_harness.hpp"

#include <algorithm>

namespace fetchctl::conformance {

transport_under_test::transport_under_test(const loaded_transport &plugin,
                                           conformance_host &host,
                                           completion_collector &collector)
    : plugin_(plugin), collector_(collector) {
    create_status_ = plugin_.table->create(host.host(), &completion_collector::on_complete,
                                           &collector_, &instance_);
    if (create_status_ != FC_OK) {
        instance_ = nullptr;
    }
}

transport_under_test::~transport_under_test() {
    destroy();
}

uint32_t transport_under_test::max_in_flight() const {
    return instance_ != nullptr ? plugin_.table->max_in_flight(instance_) : 0;
}

int32_t transport_under_test::submit(const request_spec &spec) {
    std::vector<fc_header_v1> headers;
    headers.reserve(spec.headers.size());
    for (const auto &[name, value] : spec.headers) {
        headers.push_back({name.c_str(), value.c_str()});
    }

    fc_request_v1 request{};
    request.struct_size = sizeof(fc_request_v1);
    request.request_id = spec.id;
    request.method = spec.method.c_str();
    request.url = spec.url.c_str();
    request.headers = headers.empty() ? nullptr : headers.data();
    request.header_count = headers.size();
    request.connect_timeout_ms = spec.connect_timeout_ms;
    request.total_timeout_ms = spec.total_timeout_ms;
    request.max_body_bytes = spec.max_body_bytes;

    // Registered before the call: a fast transport may answer before
    // submit() returns, and that answer must find itself expected.
    collector_.expect(spec.id);
    completion_collector::set_inside_submit(true);
    const int32_t status = plugin_.table->submit(instance_, &request);
    completion_collector::set_inside_submit(false);
    if (status != FC_OK) {
        collector_.refused(spec.id);
    }
    return status;
}

std::chrono::milliseconds transport_under_test::destroy() {
    if (instance_ == nullptr) {
        return std::chrono::milliseconds(0);
    }
    const auto start = std::chrono::steady_clock::now();
    plugin_.table->destroy(instance_);
    const auto took = std::chrono::steady_clock::now() - start;
    instance_ = nullptr;
    collector_.close();
    return std::chrono::duration_cast<std::chrono::milliseconds>(took);
}

size_t run_windowed(transport_under_test &transport, completion_collector &collector,
                    const std::vector<request_spec> &specs, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const size_t window = std::max<uint32_t>(1, transport.max_in_flight());
    const size_t answered_before = collector.answer_count();

    size_t accepted = 0;
    for (const auto &spec : specs) {
        // Wait for a free slot: answered + window must exceed accepted.
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        const size_t needed = answered_before + (accepted >= window ? accepted - window + 1 : 0);
        if (left.count() <= 0 || !collector.wait_for_count(needed, left)) {
            return accepted;
        }
        if (transport.submit(spec) == FC_OK) {
            ++accepted;
        }
    }

    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    collector.wait_for_count(answered_before + accepted, std::max(left, decltype(left)(0)));
    return accepted;
}

} // namespace fetchctl::conformance
