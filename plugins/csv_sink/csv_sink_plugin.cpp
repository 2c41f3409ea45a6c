// csv_sink_plugin.cpp - the C ABI face of csv_sink (fetchctl/plugin.h).
//
// Holds the static descriptor, reads the [sink.csv_sink] table through the
// host's getters, and wraps csv_sink in trampolines that catch every
// exception: nothing may unwind into the host. The host calls every sink
// function from one thread, so an instance needs no locking.
#include <fetchctl/plugin.h>

#include "csv_sink.hpp"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifndef FETCHCTL_CSV_SINK_VERSION
#define FETCHCTL_CSV_SINK_VERSION "0.0.0"
#endif

// Bad data is reported as FC_REJECTED, so the host fails that one item and
// goes on. Against a header that predates the code, fall back to FC_ERROR;
// a host that predates it reads the unknown code as FC_ERROR anyway.
#ifdef FC_REJECTED
#define FETCHCTL_CSV_BAD_DATA FC_REJECTED
#else
#define FETCHCTL_CSV_BAD_DATA FC_ERROR
#endif

// A struct from the other side is usable only if it is large enough to
// hold the field being read (older peers send smaller structs).
#define FETCHCTL_CSV_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof((ptr)->field))

namespace {

using namespace fetchctl::csv_sink;

struct instance {
    instance(const fc_host_v1 *host_in, sink_settings settings,
             const std::string &path, const char *checkpoint)
        : host(host_in), output(path),
          sink(std::move(settings), path, checkpoint) {}

    const fc_host_v1 *host;
    std::string output;
    csv_sink sink;
    // Refilled for each record, so that its strings keep their capacity.
    provenance_values provenance;
};

void host_log(const fc_host_v1 &host, int32_t level,
              const std::string &message) {
    host.log(host.host_ctx, level, message.c_str());
}

// The last line of defence: formats without allocating, so that reporting
// a failure (even std::bad_alloc) cannot itself throw.
void log_failure(const fc_host_v1 &host, const char *what,
                 const char *cause) noexcept {
    char line[1024];
    std::snprintf(line, sizeof line, "%s: %s", what, cause);
    host.log(host.host_ctx, FC_LOG_ERROR, line);
}

// Runs `body` and turns anything it throws into a logged FC_ERROR.
template <typename Body>
int32_t guarded(const fc_host_v1 &host, const char *what,
                Body &&body) noexcept {
    try {
        return body();
    } catch (const std::exception &error) {
        log_failure(host, what, error.what());
    } catch (...) {
        log_failure(host, what, "unknown failure");
    }
    return FC_ERROR;
}

// Everything create() relies on, checked before the first call through it.
bool host_usable(const fc_host_v1 *host) noexcept {
    return host != nullptr && host->abi_major == FETCHCTL_ABI_MAJOR &&
           FETCHCTL_CSV_HAS_FIELD(host, fc_host_v1, config_error) &&
           host->log != nullptr && host->config_string != nullptr &&
           host->config_bool != nullptr &&
           host->config_string_at != nullptr &&
           host->config_error != nullptr;
}

bool reject(const fc_host_v1 &host, const char *key, const std::string &why) {
    host.config_error(host.host_ctx, key, why.c_str());
    return false;
}

// FC_ERROR means the host has already reported the key; any unknown code
// is treated the same way, as the ABI asks of the host.
bool read_bool(const fc_host_v1 &host, const char *key, bool &value) {
    int32_t flag = 0;
    const int32_t rc = host.config_bool(host.host_ctx, key, &flag);
    if (rc == FC_OK) {
        value = flag != 0;
    }
    return rc == FC_OK || rc == FC_NOT_FOUND;
}

bool read_columns(const fc_host_v1 &host, sink_settings &settings) {
    std::vector<std::string> names;
    for (std::size_t i = 0;; ++i) {
        const char *name = nullptr;
        const int32_t rc =
            host.config_string_at(host.host_ctx, "columns", i, &name);
        if (rc == FC_NOT_FOUND) {
            break;
        }
        if (rc != FC_OK) {
            return false;
        }
        if (name == nullptr) {
            return reject(host, "columns", "the host returned no string");
        }
        names.emplace_back(name);
    }

    // TODO: `columns = []` also reads as FC_NOT_FOUND at index 0, so an
    // empty list silently means the default columns; the ABI has no way
    // to tell an empty array from an absent key.
    if (names.empty()) {
        names = default_columns();
    }
    if (std::string problem = set_columns(settings, names); !problem.empty()) {
        return reject(host, "columns", problem);
    }
    return true;
}

bool read_provenance(const fc_host_v1 &host, sink_settings &settings) {
    std::vector<std::string> names;
    for (std::size_t i = 0;; ++i) {
        const char *name = nullptr;
        const int32_t rc = host.config_string_at(host.host_ctx, "provenance", i, &name);
        if (rc == FC_NOT_FOUND) {
            break;
        }
        if (rc != FC_OK) {
            return false;
        }
        names.emplace_back(name != nullptr ? name : "");
    }
    if (std::string problem = set_provenance(settings, names); !problem.empty()) {
        return reject(host, "provenance", problem);
    }
    return true;
}

// Writes `number` in decimal into `out`, reusing its capacity.
void assign_decimal(std::string &out, std::uint64_t number) {
    char digits[20]; // the most a 64-bit number needs
    const char *end =
        std::to_chars(std::begin(digits), std::end(digits), number).ptr;
    out.assign(digits, static_cast<std::size_t>(end - digits));
}

void assign_text(std::string &out, const char *text) {
    if (text != nullptr) {
        out.assign(text);
    } else {
        out.clear();
    }
}

// The provenance the host sent, as text, into `values`; empty fields from
// a host older than ABI 1.1, whose records end before them.
void fill_provenance(const fc_record_v1 &record, provenance_values &values) {
    if (!FETCHCTL_CSV_HAS_FIELD(&record, fc_record_v1, run_id)) {
        values = provenance_values{};
        return;
    }
    assign_decimal(values.attempts, record.attempts);
    assign_decimal(values.latency_ms, record.latency_ms);
    assign_decimal(values.waited_ms, record.waited_ms);
    assign_text(values.statuses, record.statuses);
    assign_text(values.transport, record.transport);
    assign_text(values.run_id, record.run_id);
}

bool read_line_ending(const fc_host_v1 &host, sink_settings &settings) {
    const char *value = nullptr;
    const int32_t rc = host.config_string(host.host_ctx, "line_ending", &value);
    if (rc == FC_NOT_FOUND) {
        return true;
    }
    if (rc != FC_OK) {
        return false;
    }

    const std::string ending = value != nullptr ? value : "";
    if (ending == "crlf") {
        settings.csv.line_ending = "\r\n";
    } else if (ending == "lf") {
        settings.csv.line_ending = "\n";
    } else {
        return reject(host, "line_ending",
                      "expected \"crlf\" or \"lf\", saw \"" + ending + "\"");
    }
    return true;
}

// Reads every key before judging, so the host never reports a key this
// plugin supports as unknown, and the operator sees every bad value in
// one go rather than one per attempt.
bool read_settings(const fc_host_v1 &host, sink_settings &settings) {
    bool ok = read_columns(host, settings);
    ok = read_provenance(host, settings) && ok;
    ok = read_line_ending(host, settings) && ok;
    ok = read_bool(host, "formula_guard", settings.csv.formula_guard) && ok;
    ok = read_bool(host, "header", settings.header) && ok;
    return ok;
}

std::string describe(const sink_settings &settings) {
    const bool crlf = settings.csv.line_ending == "\r\n";
    return std::to_string(settings.columns.size()) + " columns, " +
           (crlf ? "crlf" : "lf") + " line endings, " +
           (settings.header ? "with" : "without") + " a header row" +
           (settings.csv.formula_guard ? ", formula guard on" : "");
}

std::string opened_message(const instance &self, const std::string &format) {
    const open_info &opened = self.sink.opened();
    if (!opened.resumed) {
        return "writing '" + self.output + "': " + format;
    }
    return "resuming '" + self.output + "' at byte " +
           std::to_string(opened.offset) + " (" + format + "), dropping " +
           std::to_string(opened.dropped) +
           " bytes written after the checkpoint";
}

std::string item_name(const fc_record_v1 &record) {
    std::string name = "item '";
    name += record.item_id != nullptr ? record.item_id : "?";
    name += "' (sequence " + std::to_string(record.sequence) + ")";
    return name;
}

int32_t sink_create(const fc_host_v1 *host, const fc_sink_open_v1 *open,
                    void **out) noexcept {
    if (out == nullptr) {
        return FC_ERROR;
    }
    *out = nullptr;
    // Without a usable host there is nowhere to report why.
    if (!host_usable(host)) {
        return FC_ERROR;
    }

    return guarded(*host, "cannot open the output", [&] {
        if (open == nullptr ||
            !FETCHCTL_CSV_HAS_FIELD(open, fc_sink_open_v1, resume_checkpoint)) {
            host_log(*host, FC_LOG_ERROR,
                     "create() got no usable open request");
            return FC_ERROR;
        }

        sink_settings settings;
        if (!read_settings(*host, settings)) {
            return FC_ERROR;
        }
        const std::string format = describe(settings);

        std::unique_ptr<instance> self;
        try {
            self = std::make_unique<instance>(
                host, std::move(settings),
                open->output != nullptr ? open->output : "",
                open->resume_checkpoint);
        } catch (const file_error &error) {
            // Its message already names the path and the cause.
            host_log(*host, FC_LOG_ERROR, error.what());
            return FC_ERROR;
        }
        host_log(*host, FC_LOG_INFO, opened_message(*self, format));
        *out = self.release();
        return FC_OK;
    });
}

int32_t sink_write(void *opaque, const fc_record_v1 *record) noexcept {
    auto *self = static_cast<instance *>(opaque);
    if (self == nullptr) {
        return FC_ERROR;
    }

    return guarded(*self->host, "a record was not written", [&] {
        if (record == nullptr ||
            !FETCHCTL_CSV_HAS_FIELD(record, fc_record_v1, body_size) ||
            (record->body == nullptr && record->body_size != 0)) {
            host_log(*self->host, FC_LOG_ERROR,
                     "write() got no usable record");
            return FC_ERROR;
        }

        const std::string_view body(
            record->body != nullptr ? record->body : "", record->body_size);
        // Most configs record no provenance: then it is not even read.
        if (self->sink.records_provenance()) {
            fill_provenance(*record, self->provenance);
        }
        std::string problem;
        int32_t status = FETCHCTL_CSV_BAD_DATA;
        try {
            problem = self->sink.write(body, self->provenance);
        } catch (const std::exception &error) {
            // The output failed, not the record: the sink cannot go on.
            problem = error.what();
            status = FC_ERROR;
        }
        if (problem.empty()) {
            return FC_OK;
        }

        // The host takes the last logged line as the item's failure reason.
        host_log(*self->host, FC_LOG_ERROR,
                 item_name(*record) + " was not written: " + problem);
        return status;
    });
}

int32_t sink_flush(void *opaque, char *checkpoint) noexcept {
    auto *self = static_cast<instance *>(opaque);
    if (self == nullptr || checkpoint == nullptr) {
        return FC_ERROR;
    }

    return guarded(*self->host, "flush failed", [&] {
        const std::string token = self->sink.flush();
        if (token.size() >= FC_CHECKPOINT_MAX) {
            host_log(*self->host, FC_LOG_ERROR,
                     "checkpoint token is too long");
            return FC_ERROR;
        }
        std::memcpy(checkpoint, token.c_str(), token.size() + 1);
        return FC_OK;
    });
}

void sink_destroy(void *opaque) noexcept {
    std::unique_ptr<instance> self(static_cast<instance *>(opaque));
    if (!self) {
        return;
    }

    // Only rows after the last checkpoint are at stake; a resumed run cuts
    // the file back to that checkpoint anyway.
    guarded(*self->host, "closing failed, unflushed rows may be lost", [&] {
        self->sink.close();
        return FC_OK;
    });
}

const fc_sink_v1 sink_table = {
    sizeof(fc_sink_v1), sink_create, sink_write, sink_flush, sink_destroy,
};

const fc_plugin_v1 descriptor = {
    sizeof(fc_plugin_v1),
    FETCHCTL_ABI_MAJOR,
    FETCHCTL_ABI_MINOR,
    FC_KIND_SINK,
    "csv_sink",
    FETCHCTL_CSV_SINK_VERSION,
    "writes records as RFC 4180 CSV, resumable at byte checkpoints",
    nullptr,
    &sink_table,
};

} // namespace

extern "C" FETCHCTL_PLUGIN_EXPORT const fc_plugin_v1 *fc_plugin_entry(void) {
    return &descriptor;
}
