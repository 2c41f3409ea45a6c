// test_host.cpp - the in-memory fc_host_v1 for tests; see test_host.hpp.
//
// Every C entry point takes mutex_, so plugins may call from any thread.
#include "test_host.hpp"

#include <cstdio>

namespace fetchctl::test {

namespace {

test_host &self_of(void *ctx) { return *static_cast<test_host *>(ctx); }

const char *type_name(const test_host::value &v) {
    switch (v.index()) {
    case 0:
        return "a boolean";
    case 1:
        return "an integer";
    case 2:
        return "a float";
    case 3:
        return "a string";
    default:
        return "an array";
    }
}

} // namespace

std::string level_name(std::int32_t level) {
    switch (level) {
    case FC_LOG_DEBUG:
        return "debug";
    case FC_LOG_INFO:
        return "info";
    case FC_LOG_WARN:
        return "warn";
    case FC_LOG_ERROR:
        return "error";
    default:
        return "level " + std::to_string(level);
    }
}

test_host::test_host() {
    host_.struct_size = sizeof(fc_host_v1);
    host_.abi_major = FETCHCTL_ABI_MAJOR;
    host_.abi_minor = FETCHCTL_ABI_MINOR;
    host_.host_ctx = this;
    host_.log = &test_host::on_log;
    host_.config_string = &test_host::on_string;
    host_.config_int = &test_host::on_int;
    host_.config_double = &test_host::on_double;
    host_.config_bool = &test_host::on_bool;
    host_.config_string_at = &test_host::on_string_at;
    host_.config_error = &test_host::on_config_error;
}

void test_host::set(const std::string &key, value v) {
    std::lock_guard<std::mutex> lock(mutex_);
    config_[key] = std::move(v);
}

void test_host::set_string(const std::string &key, std::string text) {
    set(key, value(std::in_place_index<3>, std::move(text)));
}

void test_host::set_int(const std::string &key, std::int64_t number) {
    set(key, value(std::in_place_index<1>, number));
}

void test_host::set_double(const std::string &key, double number) {
    set(key, value(std::in_place_index<2>, number));
}

void test_host::set_bool(const std::string &key, bool flag) {
    set(key, value(std::in_place_index<0>, flag));
}

void test_host::set_strings(const std::string &key,
                            const std::vector<std::string> &items) {
    array elements;
    elements.reserve(items.size());
    for (const std::string &item : items) {
        elements.emplace_back(std::in_place_index<3>, item);
    }
    set_array(key, std::move(elements));
}

void test_host::set_array(const std::string &key, array items) {
    set(key, value(std::in_place_index<4>, std::move(items)));
}

void test_host::erase(const std::string &key) {
    std::lock_guard<std::mutex> lock(mutex_);
    config_.erase(key);
}

std::vector<test_host::log_line> test_host::logs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return logs_;
}

std::vector<test_host::config_problem> test_host::config_problems() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return problems_;
}

std::vector<std::string> test_host::unread_keys() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> unread;
    for (const auto &entry : config_) {
        if (read_.count(entry.first) == 0) {
            unread.push_back(entry.first);
        }
    }
    return unread;
}

bool test_host::logged(std::string_view fragment,
                       std::int32_t min_level) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const log_line &line : logs_) {
        if (line.level >= min_level &&
            line.message.find(fragment) != std::string::npos) {
            return true;
        }
    }
    return false;
}

void test_host::echo_logs(bool on) {
    std::lock_guard<std::mutex> lock(mutex_);
    echo_ = on;
}

void test_host::clear_records() {
    std::lock_guard<std::mutex> lock(mutex_);
    logs_.clear();
    problems_.clear();
}

const test_host::value *test_host::find(const char *key) {
    if (key == nullptr) {
        return nullptr;
    }
    read_.insert(key);
    const auto found = config_.find(key);
    return found == config_.end() ? nullptr : &found->second;
}

std::int32_t test_host::wrong_type(const char *key, const char *expected) {
    const value &held = config_.at(key);
    problems_.push_back({key, std::string("expected ") + expected + ", saw " +
                                  type_name(held),
                         false});
    return FC_ERROR;
}

void test_host::on_log(void *ctx, std::int32_t level, const char *message) {
    test_host &self = self_of(ctx);
    std::lock_guard<std::mutex> lock(self.mutex_);
    self.logs_.push_back({level, message != nullptr ? message : ""});
    if (self.echo_) {
        std::fprintf(stderr, "[%s] %s\n", level_name(level).c_str(),
                     self.logs_.back().message.c_str());
    }
}

std::int32_t test_host::on_string(void *ctx, const char *key,
                                  const char **out) {
    test_host &self = self_of(ctx);
    std::lock_guard<std::mutex> lock(self.mutex_);
    const value *held = self.find(key);
    if (held == nullptr) {
        return FC_NOT_FOUND;
    }
    const auto *text = std::get_if<std::string>(held);
    if (text == nullptr) {
        return self.wrong_type(key, "a string");
    }
    *out = text->c_str();
    return FC_OK;
}

std::int32_t test_host::on_int(void *ctx, const char *key, std::int64_t *out) {
    test_host &self = self_of(ctx);
    std::lock_guard<std::mutex> lock(self.mutex_);
    const value *held = self.find(key);
    if (held == nullptr) {
        return FC_NOT_FOUND;
    }
    const auto *number = std::get_if<std::int64_t>(held);
    if (number == nullptr) {
        return self.wrong_type(key, "an integer");
    }
    *out = *number;
    return FC_OK;
}

std::int32_t test_host::on_double(void *ctx, const char *key, double *out) {
    test_host &self = self_of(ctx);
    std::lock_guard<std::mutex> lock(self.mutex_);
    const value *held = self.find(key);
    if (held == nullptr) {
        return FC_NOT_FOUND;
    }
    // Like the real host, an integer in the file is accepted as a float.
    if (const auto *whole = std::get_if<std::int64_t>(held)) {
        *out = static_cast<double>(*whole);
        return FC_OK;
    }
    const auto *number = std::get_if<double>(held);
    if (number == nullptr) {
        return self.wrong_type(key, "a number");
    }
    *out = *number;
    return FC_OK;
}

std::int32_t test_host::on_bool(void *ctx, const char *key,
                                std::int32_t *out) {
    test_host &self = self_of(ctx);
    std::lock_guard<std::mutex> lock(self.mutex_);
    const value *held = self.find(key);
    if (held == nullptr) {
        return FC_NOT_FOUND;
    }
    const auto *flag = std::get_if<bool>(held);
    if (flag == nullptr) {
        return self.wrong_type(key, "a boolean");
    }
    *out = *flag ? 1 : 0;
    return FC_OK;
}

std::int32_t test_host::on_string_at(void *ctx, const char *key,
                                     std::size_t index, const char **out) {
    test_host &self = self_of(ctx);
    std::lock_guard<std::mutex> lock(self.mutex_);
    const value *held = self.find(key);
    if (held == nullptr) {
        return FC_NOT_FOUND;
    }
    const auto *items = std::get_if<array>(held);
    if (items == nullptr) {
        return self.wrong_type(key, "an array of strings");
    }
    if (index >= items->size()) {
        return FC_NOT_FOUND;
    }

    const auto *text = std::get_if<std::string>(&(*items)[index]);
    if (text == nullptr) {
        self.problems_.push_back(
            {key,
             "expected an array of strings, element " + std::to_string(index) +
                 " is not a string",
             false});
        return FC_ERROR;
    }
    *out = text->c_str();
    return FC_OK;
}

std::int32_t test_host::on_config_error(void *ctx, const char *key,
                                        const char *message) {
    test_host &self = self_of(ctx);
    std::lock_guard<std::mutex> lock(self.mutex_);
    self.problems_.push_back({key != nullptr ? key : "",
                              message != nullptr ? message : "", true});
    return FC_ERROR;
}

} // namespace fetchctl::test
