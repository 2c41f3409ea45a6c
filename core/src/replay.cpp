// replay.cpp: see replay.hpp.
#include "replay.hpp"

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

namespace fetchctl {
namespace {

using clock_type = std::chrono::steady_clock;

int transport_error_from(const std::string &kind) {
    if (kind == "connection")
        return FC_TRANSPORT_CONNECT;
    if (kind == "timeout")
        return FC_TRANSPORT_TIMEOUT;
    if (kind == "broken")
        return FC_TRANSPORT_IO;
    if (kind == "protocol")
        return FC_TRANSPORT_PROTOCOL;
    if (kind == "too_large")
        return FC_TRANSPORT_TOO_LARGE;
    if (kind == "resolve")
        return FC_TRANSPORT_RESOLVE;
    if (kind == "tls")
        return FC_TRANSPORT_TLS;
    return FC_TRANSPORT_OTHER;
}

} // namespace

answer_recorder::answer_recorder(const std::filesystem::path &path)
    : file_(std::fopen(path.c_str(), "wb")) {
    if (!file_)
        throw std::runtime_error(fmt::format("{}: cannot create the record file", path.string()));
    std::fputs("# fetchctl answers: id\tattempt\tstatus\tretry_after\tlatency_ms\n", file_);
}

answer_recorder::~answer_recorder() {
    std::fclose(file_);
}

void answer_recorder::record(const std::string &id, int attempt, const std::string &status,
                             const std::optional<std::string> &retry_after, double latency_ms) {
    std::string after = retry_after.value_or("");
    for (char &c : after) {
        if (c == '\t' || c == '\n' || c == '\r')
            c = ' ';
    }
    std::fprintf(file_, "%s\t%d\t%s\t%s\t%.0f\n", id.c_str(), attempt, status.c_str(),
                 after.c_str(), latency_ms);
}

std::map<std::string, std::vector<recorded_answer>>
load_recorded_answers(const std::filesystem::path &path) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error(fmt::format("{}: cannot read the record file", path.string()));

    std::map<std::string, std::vector<recorded_answer>> answers;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.empty() || line[0] == '#')
            continue;
        std::vector<std::string> fields;
        std::size_t from = 0;
        for (std::size_t tab; (tab = line.find('\t', from)) != std::string::npos; from = tab + 1)
            fields.push_back(line.substr(from, tab - from));
        fields.push_back(line.substr(from));
        if (fields.size() != 5 || fields[0].empty() || fields[2].empty())
            throw std::runtime_error(fmt::format(
                "{}:{}: expected id, attempt, status, retry_after, latency_ms separated by tabs",
                path.string(), number));
        recorded_answer answer;
        answer.status = fields[2];
        if (!fields[3].empty())
            answer.retry_after = fields[3];
        answer.latency_ms = std::strtod(fields[4].c_str(), nullptr);
        answers[fields[0]].push_back(std::move(answer));
    }
    return answers;
}

/// The playing side: a timer thread that answers each request after its
/// recorded latency.
struct replay_transport::engine {
    struct pending {
        clock_type::time_point due;
        std::uint64_t request_id;
        recorded_answer answer;
        bool operator>(const pending &other) const { return due > other.due; }
    };

    std::map<std::string, std::vector<recorded_answer>> answers;
    std::string prefix, suffix; // the URL template around {id}
    std::unordered_map<std::string, std::size_t> attempts;

    fc_completion_fn on_complete = nullptr;
    void *completion_ctx = nullptr;
    std::mutex mutex;
    std::condition_variable wake;
    std::priority_queue<pending, std::vector<pending>, std::greater<pending>> queue;
    bool stopping = false;
    std::thread thread;

    std::string id_of(const std::string &url) const {
        if (url.size() < prefix.size() + suffix.size())
            return url;
        return url.substr(prefix.size(), url.size() - prefix.size() - suffix.size());
    }

    recorded_answer answer_for(const std::string &id) {
        const std::size_t attempt = attempts[id]++;
        const auto found = answers.find(id);
        if (found == answers.end() || found->second.empty())
            return recorded_answer{"200", std::nullopt, 0};
        const auto &list = found->second;
        return list[std::min(attempt, list.size() - 1)];
    }

    void run() {
        std::unique_lock<std::mutex> lock(mutex);
        while (!stopping) {
            if (queue.empty()) {
                wake.wait(lock);
                continue;
            }
            // A copy: submit() may grow the queue, moving its elements,
            // while this thread waits with the lock released.
            const clock_type::time_point due = queue.top().due;
            if (clock_type::now() < due) {
                wake.wait_until(lock, due);
                continue;
            }
            pending next = queue.top();
            queue.pop();
            lock.unlock();
            deliver(next);
            lock.lock();
        }
    }

    void deliver(const pending &next) {
        fc_response_v1 response{};
        response.struct_size = sizeof response;
        response.request_id = next.request_id;
        const std::string &status = next.answer.status;
        const bool numeric = !status.empty() && status.find_first_not_of("0123456789") ==
                                                    std::string::npos;
        std::string body = "{\"replayed\":true}";
        std::vector<fc_header_v1> headers;
        if (numeric) {
            response.status = std::stoi(status);
            if (next.answer.retry_after)
                headers.push_back({"Retry-After", next.answer.retry_after->c_str()});
            response.headers = headers.data();
            response.header_count = headers.size();
            response.body = body.data();
            response.body_size = body.size();
        } else {
            response.transport_error = transport_error_from(status);
            response.error_message = "replayed";
        }
        on_complete(completion_ctx, &response);
    }
};

namespace {

int32_t replay_create(const fc_host_v1 *, fc_completion_fn, void *, void **) {
    return FC_UNSUPPORTED; // instances come from replay_transport::start()
}

uint32_t replay_max_in_flight(void *) {
    return 64;
}

int32_t replay_submit(void *instance, const fc_request_v1 *request) {
    auto &engine = **static_cast<std::shared_ptr<replay_transport::engine> *>(instance);
    std::lock_guard<std::mutex> lock(engine.mutex);
    recorded_answer answer = engine.answer_for(engine.id_of(request->url));
    const auto latency = std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double, std::milli>(answer.latency_ms));
    engine.queue.push({clock_type::now() + latency, request->request_id, std::move(answer)});
    engine.wake.notify_one();
    return FC_OK;
}

void replay_destroy(void *instance) {
    auto *holder = static_cast<std::shared_ptr<replay_transport::engine> *>(instance);
    {
        std::lock_guard<std::mutex> lock((*holder)->mutex);
        (*holder)->stopping = true;
    }
    (*holder)->wake.notify_one();
    (*holder)->thread.join();
    delete holder;
}

const fc_transport_v1 replay_table = {
    sizeof(fc_transport_v1), replay_create, replay_max_in_flight, replay_submit, replay_destroy,
};

} // namespace

replay_transport::replay_transport(std::map<std::string, std::vector<recorded_answer>> answers,
                                   std::string url_template)
    : engine_(std::make_shared<engine>()) {
    engine_->answers = std::move(answers);
    const auto at = url_template.find("{id}");
    engine_->prefix = url_template.substr(0, at);
    engine_->suffix = at == std::string::npos ? "" : url_template.substr(at + 4);
}

replay_transport::~replay_transport() = default;

const fc_transport_v1 *replay_transport::table() {
    return &replay_table;
}

void *replay_transport::start(fc_completion_fn on_complete, void *completion_ctx) {
    engine_->on_complete = on_complete;
    engine_->completion_ctx = completion_ctx;
    engine_->thread = std::thread([raw = engine_.get()] { raw->run(); });
    return new std::shared_ptr<engine>(engine_);
}

} // namespace fetchctl
