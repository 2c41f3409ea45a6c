/*
 * fetchctl/plugin.h - the C ABI between fetchctl and its plugins.
 *
 * This header is the whole contract. A plugin is a shared library that
 * exports one function, fc_plugin_entry(), returning a static descriptor
 * (fc_plugin_v1). The descriptor names the plugin and points at a table of
 * functions for its kind: a transport moves HTTP requests, a sink writes
 * finished records. The host (fetchctl) owns every policy: retries, back-off,
 * rate limits, ordering, journaling. A plugin does its one job and reports.
 *
 * Compatibility promise (see docs/ABI.md):
 *  - FETCHCTL_ABI_MAJOR changes only when an existing field or meaning
 *    changes. The host refuses a plugin built for another major version.
 *  - FETCHCTL_ABI_MINOR grows when fields are appended. Every versioned
 *    struct starts with struct_size; the reader of a struct checks
 *    struct_size before touching a field, so an older plugin (smaller
 *    structs) keeps loading in a newer host.
 *  - Numeric codes are permanent: a retired code keeps its slot.
 *  - No C++ type, exception or allocator crosses this boundary. Memory is
 *    released by whoever allocated it; pointers handed across are borrowed
 *    for the duration stated on each field.
 *
 * Plain C (C99 and later) and C++ both compile this header.
 */
#ifndef FETCHCTL_PLUGIN_H
#define FETCHCTL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FETCHCTL_ABI_MAJOR 1
/* 1.1 added FC_REJECTED and the provenance fields of fc_record_v1;
 * docs/ABI.md lists every change. */
#define FETCHCTL_ABI_MINOR 1

/* The one symbol every plugin exports. */
#define FETCHCTL_PLUGIN_ENTRY_SYMBOL "fc_plugin_entry"

#if defined(_WIN32)
#define FETCHCTL_PLUGIN_EXPORT __declspec(dllexport)
#else
#define FETCHCTL_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* ---- Status codes returned by plugin and host functions (int32_t) ------ */

#define FC_OK 0          /* done as asked */
#define FC_ERROR 1       /* failed; a message was logged or recorded */
#define FC_UNSUPPORTED 2 /* the function or option is not implemented */
#define FC_NOT_FOUND 3   /* config getters: key absent or index past the end */
#define FC_REJECTED 4    /* sink write(): this record is bad data (say, not
                            JSON); nothing of it was written. The host lists
                            the item as failed, with the last message the
                            sink logged as the reason, and goes on. */
/* The host treats any other value as FC_ERROR. */

/* ---- Plugin kinds (uint32_t) ------------------------------------------- */

#define FC_KIND_TRANSPORT 1
#define FC_KIND_SINK 2

/* ---- Log levels (int32_t) ---------------------------------------------- */

#define FC_LOG_DEBUG 1
#define FC_LOG_INFO 2
#define FC_LOG_WARN 3
#define FC_LOG_ERROR 4

/* ---- Host services ----------------------------------------------------- */

/*
 * What the host hands a plugin instance when it creates it. Valid until the
 * instance is destroyed. Every function may be called from any thread, and
 * host_ctx must be passed back unchanged.
 *
 * Config getters read the plugin's own TOML table ([transport.<name>] or
 * [sink.<name>]). Keys are plain names within that table. They return
 * FC_OK with *value set, FC_NOT_FOUND when the key is absent (use your
 * default), or FC_ERROR when the key holds another type; the host has then
 * already recorded a message naming the file, key and line, so the plugin
 * only needs to fail its create(). Returned strings live as long as the
 * instance. A key the plugin never reads is reported by the host as an
 * unknown key, so typos do not pass silently.
 */
typedef struct fc_host_v1 {
    uint32_t struct_size; /* sizeof(fc_host_v1) as the host built it */
    uint32_t abi_major;   /* the host's FETCHCTL_ABI_MAJOR */
    uint32_t abi_minor;   /* the host's FETCHCTL_ABI_MINOR */
    void *host_ctx;

    /* One log line through the host's logger, tagged with the instance. */
    void (*log)(void *host_ctx, int32_t level, const char *message);

    int32_t (*config_string)(void *host_ctx, const char *key, const char **value);
    int32_t (*config_int)(void *host_ctx, const char *key, int64_t *value);
    /* Accepts an integer or a float in the TOML file. */
    int32_t (*config_double)(void *host_ctx, const char *key, double *value);
    int32_t (*config_bool)(void *host_ctx, const char *key, int32_t *value);
    /* Element `index` of an array of strings; FC_NOT_FOUND past the end. */
    int32_t (*config_string_at)(void *host_ctx, const char *key, size_t index,
                                const char **value);

    /* Rejects a config value the plugin read but cannot accept; the host
     * reports `message` with the file, key and line, and exits with the
     * config-error code. Returns FC_ERROR so a plugin can write
     * `return host->config_error(ctx, "threads", "must be 1..1024");`. */
    int32_t (*config_error)(void *host_ctx, const char *key, const char *message);
} fc_host_v1;

/* ---- Transports -------------------------------------------------------- */

/* A header line. Arrays of these never change shape, so no size field. */
typedef struct fc_header_v1 {
    const char *name;
    const char *value;
} fc_header_v1;

/* Why a request produced no HTTP response (int32_t). */
#define FC_TRANSPORT_OK 0        /* an HTTP response arrived */
#define FC_TRANSPORT_CONNECT 1   /* refused, unreachable, connect timed out */
#define FC_TRANSPORT_TIMEOUT 2   /* total or idle-read timeout after connect */
#define FC_TRANSPORT_IO 3        /* reset, closed early, short body */
#define FC_TRANSPORT_PROTOCOL 4  /* the response is not valid HTTP */
#define FC_TRANSPORT_TOO_LARGE 5 /* body over max_body_bytes */
#define FC_TRANSPORT_RESOLVE 6   /* name resolution failed */
#define FC_TRANSPORT_TLS 7       /* handshake or certificate failure */
#define FC_TRANSPORT_OTHER 8     /* anything else; see error_message */

/*
 * One request. Borrowed for the duration of submit(): a transport copies
 * what it keeps.
 */
typedef struct fc_request_v1 {
    uint32_t struct_size;
    uint64_t request_id; /* opaque to the transport; echoed in the response */
    const char *method;  /* "GET" */
    const char *url;
    const fc_header_v1 *headers;
    size_t header_count;
    uint32_t connect_timeout_ms;
    uint32_t total_timeout_ms; /* from submit() to the last body byte */
    uint64_t max_body_bytes;   /* a larger body ends in FC_TRANSPORT_TOO_LARGE */
} fc_request_v1;

/*
 * One answer, exactly one per submitted request. Owned by the transport and
 * valid only during the completion callback: the host copies what it keeps.
 * When transport_error is not FC_TRANSPORT_OK, status is 0 and headers and
 * body are empty.
 */
typedef struct fc_response_v1 {
    uint32_t struct_size;
    uint64_t request_id;
    int32_t transport_error;
    const char *error_message; /* human text for transport_error, or NULL */
    int32_t status;            /* HTTP status code */
    const fc_header_v1 *headers;
    size_t header_count;
    const char *body; /* not NUL-terminated; body_size bytes */
    size_t body_size;
} fc_response_v1;

/*
 * Called by the transport, from any of its threads, once per request. It
 * must not be called from inside submit(), and never after destroy() has
 * returned. The host only queues the answer, so it returns quickly.
 */
typedef void (*fc_completion_fn)(void *completion_ctx, const fc_response_v1 *response);

typedef struct fc_transport_v1 {
    uint32_t struct_size;

    /* Builds an instance and starts its threads or event loop. */
    int32_t (*create)(const fc_host_v1 *host, fc_completion_fn on_complete,
                      void *completion_ctx, void **instance);

    /* How many requests the instance serves at once; the host never has
     * more than this many submitted and unanswered. */
    uint32_t (*max_in_flight)(void *instance);

    /* Queues a request and returns at once (no network I/O on the caller's
     * thread). Called from one host thread only. FC_ERROR means the request
     * was not accepted and no completion will follow. */
    int32_t (*submit)(void *instance, const fc_request_v1 *request);

    /* Stops the instance: abandons requests in flight without calling
     * back, joins every thread it started, frees everything. */
    void (*destroy)(void *instance);
} fc_transport_v1;

/* ---- Sinks ------------------------------------------------------------- */

/* Where and how a sink opens its output. Borrowed during open(). */
typedef struct fc_sink_open_v1 {
    uint32_t struct_size;
    const char *output; /* [sink] output from the config, e.g. "orders.csv" */
    /* NULL for a fresh run: start the output anew. Otherwise the token the
     * sink returned from its last successful flush() in an interrupted run:
     * reopen the output as it was at that point, dropping anything written
     * after it, and append. */
    const char *resume_checkpoint;
} fc_sink_open_v1;

/* One finished item. Borrowed during write(). */
typedef struct fc_record_v1 {
    uint32_t struct_size;
    const char *item_id; /* the id as it appeared in the URL, NUL-terminated */
    uint64_t sequence;   /* 0-based position of the item in the job */
    const char *body;    /* the response body (JSON for the reference API) */
    size_t body_size;
    int32_t status; /* the HTTP status that made the item done (2xx) */

    /* Added in 1.1: how the item was fetched, for sinks that record
     * provenance. Check struct_size before reading them. */
    uint32_t attempts;     /* attempts made, the last (successful) one included */
    uint32_t latency_ms;   /* of the successful attempt, submit to answer */
    uint64_t waited_ms;    /* back-off and Retry-After waits, in total */
    const char *statuses;  /* each answer in order, e.g. "500 429 200";
                              "timeout", "connection", ... for no answer */
    const char *transport; /* the transport plugin's name */
    const char *run_id;    /* this run's id, as in the log and summary */
} fc_record_v1;

#define FC_CHECKPOINT_MAX 256 /* capacity of flush()'s checkpoint buffer */

/*
 * Every sink function is called from one host thread, so a sink needs no
 * locking of its own.
 */
typedef struct fc_sink_v1 {
    uint32_t struct_size;

    /* Validates the config and opens the output. An unwritable output is
     * FC_ERROR with a logged message naming the path. */
    int32_t (*create)(const fc_host_v1 *host, const fc_sink_open_v1 *open, void **instance);

    /* Writes one record. FC_REJECTED: this record cannot be written (log
     * why first); the run goes on. FC_ERROR: the sink cannot go on (disk
     * full, closed connection); the host writes nothing more and marks no
     * unflushed record as done. */
    int32_t (*write)(void *instance, const fc_record_v1 *record);

    /* Makes every record written so far durable (fsync or the equivalent)
     * and writes a NUL-terminated checkpoint token of at most
     * FC_CHECKPOINT_MAX bytes (including the NUL) into `checkpoint` that
     * open() understands as resume_checkpoint. A sink whose writes are
     * idempotent may write "". */
    int32_t (*flush)(void *instance, char *checkpoint);

    /* Flushes if it can, closes and frees. */
    void (*destroy)(void *instance);
} fc_sink_v1;

/* ---- The descriptor ---------------------------------------------------- */

typedef struct fc_plugin_v1 {
    uint32_t struct_size;
    uint32_t abi_major; /* FETCHCTL_ABI_MAJOR the plugin was built against */
    uint32_t abi_minor; /* FETCHCTL_ABI_MINOR the plugin was built against */
    uint32_t kind;      /* FC_KIND_TRANSPORT or FC_KIND_SINK */
    const char *name;   /* what a config names it by, e.g. "csv_sink" */
    const char *version;
    const char *description; /* one line */
    const fc_transport_v1 *transport; /* set when kind is FC_KIND_TRANSPORT */
    const fc_sink_v1 *sink;           /* set when kind is FC_KIND_SINK */
} fc_plugin_v1;

/*
 * The entry point. Returns a pointer to a static descriptor; it must not
 * allocate, start threads or read config: the host calls it just to list
 * plugins, too.
 */
typedef const fc_plugin_v1 *(*fc_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FETCHCTL_PLUGIN_H */
