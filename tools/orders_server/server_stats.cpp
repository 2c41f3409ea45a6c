// /stats counters; see server_stats.hpp.
#include "server_stats.hpp"

#include "json_text.hpp"

namespace orders_server {

void server_stats::count_response(int status) {
    if (status < lowest_status || status > highest_status) {
        return;
    }
    responses_[static_cast<std::size_t>(status - lowest_status)]
        .fetch_add(1, relaxed);
}

void server_stats::count_fault(fault_kind kind) {
    faults_[static_cast<std::size_t>(kind)].fetch_add(1, relaxed);
}

std::string server_stats::to_json(std::int64_t connections) const {
    std::string out = "{\"responses\":{";
    bool first = true;
    for (std::size_t i = 0; i < responses_.size(); ++i) {
        auto n = responses_[i].load(relaxed);
        if (n == 0) {
            continue;
        }
        out += first ? "\"" : ",\"";
        out += std::to_string(lowest_status + static_cast<int>(i));
        out += "\":" + std::to_string(n);
        first = false;
    }

    out += "},\"requests\":" + std::to_string(requests_.load(relaxed));
    out += ",\"connections\":" + std::to_string(connections);

    out += ",\"faults\":{";
    first = true;
    for (std::size_t i = 0; i < faults_.size(); ++i) {
        auto n = faults_[i].load(relaxed);
        if (n == 0) {
            continue;
        }
        if (!first) {
            out += ',';
        }
        append_key(out, fault_name(static_cast<fault_kind>(i)));
        out += std::to_string(n);
        first = false;
    }
    out += "}}";
    return out;
}

}  // namespace orders_server
