// sqlite_sink.cpp - a fetchctl sink that upserts each record into an SQLite
// table, keyed by the item id, so running a job again refreshes rows
// instead of duplicating them.
//
// An example plugin in C++17 that needs only fetchctl/plugin.h and
// libsqlite3. The table (name from `table`, default "items") holds
//   id TEXT PRIMARY KEY, body TEXT (the raw JSON), status INTEGER,
//   fetched_at TEXT (UTC, ISO 8601, when the sink wrote the row).
//
// Ownership: create() returns a heap-allocated sqlite_sink, which owns the
// connection and its prepared statements; destroy() deletes it. The host's
// fc_host_v1 is borrowed for the instance's lifetime.
//
// Threading: the host calls every sink function from one thread, and the
// connection is used only there.
//
// Durability: write() adds rows inside an open transaction; flush()
// commits it, which SQLite makes durable (synchronous = FULL). The
// checkpoint token is always "": rows written after the last flush of an
// interrupted run are either rolled back or, if committed, overwritten by
// the same upsert when the host sends them again, so there is nothing to
// undo on resume.
//
// Errors: nothing is thrown across the C boundary. Every entry point runs
// its body under `guarded`, which logs what escaped and returns FC_ERROR.
#include <fetchctl/plugin.h>

#include <sqlite3.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#ifndef SQLITE_SINK_VERSION
#define SQLITE_SINK_VERSION "0.0.0"
#endif

// A struct from the host is usable only if it is large enough to hold the
// field being read (an older host sends smaller structs).
#define SQLITE_SINK_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof((ptr)->field))

namespace {

constexpr const char *default_table = "items";

/// A failure of the database, not of one record: FC_ERROR.
class database_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct connection_closer {
    void operator()(sqlite3 *db) const noexcept { sqlite3_close_v2(db); }
};
struct statement_finalizer {
    void operator()(sqlite3_stmt *statement) const noexcept {
        sqlite3_finalize(statement);
    }
};
using connection_ptr = std::unique_ptr<sqlite3, connection_closer>;
using statement_ptr = std::unique_ptr<sqlite3_stmt, statement_finalizer>;

void host_log(const fc_host_v1 &host, int32_t level, const std::string &text) {
    host.log(host.host_ctx, level, text.c_str());
}

/// Table names go into SQL text, so only plain identifiers are accepted;
/// quoting alone would still let a name collide with SQLite's own tables.
std::string table_name_problem(std::string_view name) {
    if (name.empty() || name.size() > 64)
        return "must be 1 to 64 characters";
    if (name.substr(0, 7) == "sqlite_")
        return "names starting with \"sqlite_\" are reserved by SQLite";

    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool digit = c >= '0' && c <= '9';
        if (!letter && c != '_' && !(digit && i > 0))
            return "must be letters, digits and '_', not starting with a digit";
    }
    return {};
}

class sqlite_sink {
public:
    sqlite_sink(std::string path, std::string table)
        : path_(std::move(path)), table_(std::move(table)) {
        sqlite3 *raw = nullptr;
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        const int rc = sqlite3_open_v2(path_.c_str(), &raw, flags, nullptr);
        db_.reset(raw); // closed even when the open failed
        if (rc != SQLITE_OK)
            fail("cannot open");

        // Another process may hold the lock briefly (a reader, a backup);
        // wait for it rather than failing the run at the first collision.
        sqlite3_busy_timeout(db_.get(), 5000);
        execute("PRAGMA synchronous = FULL", "cannot configure");
        execute("CREATE TABLE IF NOT EXISTS \"" + table_ + "\" ("
                "id TEXT PRIMARY KEY NOT NULL, body TEXT NOT NULL, "
                "status INTEGER NOT NULL, fetched_at TEXT NOT NULL)",
                "cannot create table '" + table_ + "' in");

        // Preparing also checks an existing table's shape: without a
        // unique id column, ON CONFLICT(id) does not compile.
        const std::string use_table = "cannot use table '" + table_ + "' in";
        upsert_ = prepare("INSERT INTO \"" + table_ + "\" "
                          "(id, body, status, fetched_at) VALUES "
                          "(?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) "
                          "ON CONFLICT(id) DO UPDATE SET body = excluded.body, "
                          "status = excluded.status, "
                          "fetched_at = excluded.fetched_at",
                          use_table);
        json_check_ = prepare("SELECT json_valid(?1)", "cannot check JSON in");
    }

    // Only reached without close() when create() or close() failed: drop
    // what was never committed, which the host never counted as written.
    ~sqlite_sink() {
        if (in_transaction_)
            sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }

    sqlite_sink(const sqlite_sink &) = delete;
    sqlite_sink &operator=(const sqlite_sink &) = delete;

    /// Adds or replaces the record's row. Returns "" when done, or why the
    /// record itself is unacceptable; throws database_error when the
    /// database fails.
    std::string write(const fc_record_v1 &record) {
        const char *body = record.body != nullptr ? record.body : "";

        if (!is_json(body, record.body_size))
            return "the body is not valid JSON";

        if (!in_transaction_) {
            execute("BEGIN IMMEDIATE", "cannot start a transaction");
            in_transaction_ = true;
        }

        sqlite3_stmt *upsert = upsert_.get();
        sqlite3_bind_text(upsert, 1, record.item_id, -1, SQLITE_STATIC);
        sqlite3_bind_text64(upsert, 2, body, record.body_size, SQLITE_STATIC,
                            SQLITE_UTF8);
        sqlite3_bind_int(upsert, 3, record.status);
        const int rc = sqlite3_step(upsert);
        sqlite3_reset(upsert);
        sqlite3_clear_bindings(upsert);

        if (rc == SQLITE_DONE)
            return {};
        if (rc == SQLITE_TOOBIG)
            return "the body is larger than SQLite accepts";
        fail("cannot write to");
    }

    /// Commits what write() added since the last commit.
    void commit() {
        if (!in_transaction_)
            return;

        execute("COMMIT", "cannot commit to");
        in_transaction_ = false;
    }

    /// destroy() flushes if it can: commits the last rows. Throws
    /// database_error if that fails; the destructor then rolls back.
    void close() { commit(); }

private:
    [[noreturn]] void fail(const std::string &what) const {
        const char *reason = db_ ? sqlite3_errmsg(db_.get()) : "out of memory";
        throw database_error(what + " '" + path_ + "': " + reason);
    }

    void execute(const std::string &sql, const std::string &what) {
        const int rc =
            sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK)
            fail(what);
    }

    statement_ptr prepare(const std::string &sql, const std::string &what) {
        sqlite3_stmt *raw = nullptr;
        const int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), -1,
                                          SQLITE_PREPARE_PERSISTENT, &raw,
                                          nullptr);
        if (rc != SQLITE_OK)
            fail(what);
        return statement_ptr(raw);
    }

    bool is_json(const char *body, std::size_t size) {
        sqlite3_stmt *check = json_check_.get();
        sqlite3_bind_text64(check, 1, body, size, SQLITE_STATIC, SQLITE_UTF8);
        const int rc = sqlite3_step(check);
        const bool valid =
            rc == SQLITE_ROW && sqlite3_column_int(check, 0) == 1;
        sqlite3_reset(check);
        sqlite3_clear_bindings(check);

        if (rc != SQLITE_ROW)
            fail("cannot check a body for");
        return valid;
    }

    std::string path_;
    std::string table_;
    connection_ptr db_;
    statement_ptr upsert_;
    statement_ptr json_check_;
    bool in_transaction_ = false;
};

/// Runs `body`, turning anything it throws into a logged FC_ERROR: no
/// exception may unwind into the host.
template <class Body>
int32_t guarded(const fc_host_v1 &host, Body &&body) noexcept {
    try {
        return body();
    } catch (const std::exception &error) {
        host.log(host.host_ctx, FC_LOG_ERROR, error.what());
    } catch (...) {
        host.log(host.host_ctx, FC_LOG_ERROR, "unknown failure");
    }
    return FC_ERROR;
}

struct instance {
    const fc_host_v1 *host;
    std::unique_ptr<sqlite_sink> sink;
};

/// Everything create() relies on, checked before the first call through it.
bool host_usable(const fc_host_v1 *host) {
    return host != nullptr && host->abi_major == FETCHCTL_ABI_MAJOR &&
           SQLITE_SINK_HAS_FIELD(host, fc_host_v1, config_error) &&
           host->log != nullptr && host->config_string != nullptr &&
           host->config_error != nullptr;
}

/// Reads `table`; false when the host or this sink rejected it (the host
/// has the message and reports it with the file and line).
bool read_table(const fc_host_v1 &host, std::string &table) {
    const char *value = nullptr;
    const int32_t rc = host.config_string(host.host_ctx, "table", &value);
    if (rc == FC_NOT_FOUND) {
        table = default_table;
        return true;
    }
    if (rc != FC_OK || value == nullptr)
        return false;

    table = value;
    const std::string problem = table_name_problem(table);
    if (!problem.empty()) {
        host.config_error(host.host_ctx, "table", problem.c_str());
        return false;
    }
    return true;
}

int32_t sink_create(const fc_host_v1 *host, const fc_sink_open_v1 *open,
                    void **out) noexcept {
    if (out == nullptr || !host_usable(host))
        return FC_ERROR;
    *out = nullptr;

    return guarded(*host, [&] {
        if (open == nullptr ||
            !SQLITE_SINK_HAS_FIELD(open, fc_sink_open_v1, resume_checkpoint) ||
            open->output == nullptr) {
            host_log(*host, FC_LOG_ERROR, "create() got no output path");
            return FC_ERROR;
        }

        // Only "" is ours; another token means the journal is not from a
        // run of this sink, and resuming blindly could hide that.
        const char *checkpoint = open->resume_checkpoint;
        if (checkpoint != nullptr && *checkpoint != '\0') {
            host_log(*host, FC_LOG_ERROR,
                     std::string("cannot resume: '") + checkpoint +
                         "' is not a sqlite_sink checkpoint");
            return FC_ERROR;
        }

        std::string table;
        if (!read_table(*host, table))
            return FC_ERROR;

        auto self = std::make_unique<instance>();
        self->host = host;
        self->sink = std::make_unique<sqlite_sink>(open->output, table);
        const std::string mode = checkpoint ? "resuming: " : "";
        host_log(*host, FC_LOG_INFO, mode + "upserting into table '" + table +
                                         "' of '" + open->output + "'");
        *out = self.release();
        return FC_OK;
    });
}

int32_t sink_write(void *opaque, const fc_record_v1 *record) noexcept {
    auto *self = static_cast<instance *>(opaque);
    if (self == nullptr)
        return FC_ERROR;

    return guarded(*self->host, [&] {
        if (record == nullptr ||
            !SQLITE_SINK_HAS_FIELD(record, fc_record_v1, status) ||
            record->item_id == nullptr) {
            host_log(*self->host, FC_LOG_ERROR, "write() got no usable record");
            return FC_ERROR;
        }

        const std::string problem = self->sink->write(*record);
        if (problem.empty())
            return FC_OK;

        // The host lists the last message logged as the item's reason.
        host_log(*self->host, FC_LOG_ERROR, std::string("item '") +
                                                record->item_id +
                                                "' rejected: " + problem);
        return FC_REJECTED;
    });
}

int32_t sink_flush(void *opaque, char *checkpoint) noexcept {
    auto *self = static_cast<instance *>(opaque);
    if (self == nullptr || checkpoint == nullptr)
        return FC_ERROR;

    return guarded(*self->host, [&] {
        self->sink->commit();
        checkpoint[0] = '\0'; // upserts are idempotent: nothing to resume at
        return FC_OK;
    });
}

void sink_destroy(void *opaque) noexcept {
    std::unique_ptr<instance> self(static_cast<instance *>(opaque));
    if (!self)
        return;

    guarded(*self->host, [&] {
        self->sink->close();
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
    "sqlite_sink",
    SQLITE_SINK_VERSION,
    "upserts records into an SQLite table by id; reruns are idempotent",
    nullptr,
    &sink_table,
};

} // namespace

extern "C" FETCHCTL_PLUGIN_EXPORT const fc_plugin_v1 *fc_plugin_entry(void) {
    return &descriptor;
}
