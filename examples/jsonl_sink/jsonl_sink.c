/*
 * jsonl_sink.c - a fetchctl sink that writes JSON Lines: each record's body
 * on a line of its own, in the order the host hands them over.
 *
 * The example plugin of docs/writing-a-sink.md, in plain C99 plus POSIX
 * file calls; it needs nothing but fetchctl/plugin.h.
 *
 * Ownership: one heap-allocated instance per create(), freed by destroy();
 * the instance owns its file descriptor and write buffer. The host's table
 * (fc_host_v1) is borrowed for the instance's lifetime.
 *
 * Threading: the host calls every sink function from one thread, so there
 * is no locking here.
 *
 * Durability: records are buffered, written out when the buffer fills and
 * on flush(), which also fsyncs and returns the checkpoint "bytes=N", the
 * file size at that moment. A resumed run gets that token back and cuts the
 * file to N bytes, dropping lines written after the checkpoint, which the
 * host is about to send again.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <fetchctl/plugin.h>

#ifndef JSONL_SINK_VERSION
#define JSONL_SINK_VERSION "0.0.0"
#endif

/* Large enough that small records cost one write() per ~64 KiB. */
#define JSONL_BUFFER_SIZE (64 * 1024)

/* A struct from the host is usable only if it is large enough to hold the
 * field we read: an older host sends smaller structs. */
#define JSONL_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof((ptr)->field))

typedef struct jsonl_sink {
    const fc_host_v1 *host;
    char *path;
    int fd;
    uint64_t size;            /* bytes in the file plus in the buffer */
    int64_t max_record_bytes; /* 0: no limit */
    int needs_dir_sync;       /* fresh file: its name is not durable yet */
    char *buffer;
    size_t buffered;
} jsonl_sink;

/* ---- Logging ------------------------------------------------------------ */

/* Formats into a fixed buffer: logging must not fail for lack of memory.
 * A longer message is cut, which is fine for a log line. */
__attribute__((format(printf, 3, 4)))
static void log_line(const fc_host_v1 *host, int32_t level, const char *format,
                     ...) {
    char line[512];
    va_list args;

    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    host->log(host->host_ctx, level, line);
}

/* ---- File helpers ------------------------------------------------------- */

/* Writes all of `size` bytes, retrying short writes and EINTR. */
static int write_all(int fd, const char *data, size_t size) {
    while (size > 0) {
        ssize_t done = write(fd, data, size);
        if (done < 0 && errno == EINTR)
            continue;
        if (done < 0)
            return -1;
        data += done;
        size -= (size_t)done;
    }
    return 0;
}

/* Sends the buffer to the file; 0 on success, -1 with a logged reason. */
static int drain_buffer(jsonl_sink *sink) {
    if (sink->buffered == 0)
        return 0;

    if (write_all(sink->fd, sink->buffer, sink->buffered) != 0) {
        log_line(sink->host, FC_LOG_ERROR, "cannot write '%s': %s", sink->path,
                 strerror(errno));
        return -1;
    }
    sink->buffered = 0;
    return 0;
}

/* fsync() of the folder makes a newly created file's name durable, not
 * just its contents. 0 on success, -1 with errno set. */
static int sync_parent_dir(const char *path) {
    char folder[4096];
    const char *slash = strrchr(path, '/');
    int fd;
    int rc;
    int error;

    if (!slash) {
        strcpy(folder, ".");
    } else if (slash == path) {
        strcpy(folder, "/");
    } else if ((size_t)(slash - path) < sizeof folder) {
        snprintf(folder, sizeof folder, "%.*s", (int)(slash - path), path);
    } else {
        errno = ENAMETOOLONG;
        return -1;
    }

    fd = open(folder, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    error = errno; /* close() must not hide why fsync() failed */
    close(fd);
    errno = error;
    return rc;
}

/* "bytes=N" into *offset; 0 on success, -1 for any other text. N is
 * capped at what off_t holds, since it goes to ftruncate(). */
static int parse_checkpoint(const char *token, uint64_t *offset) {
    const uint64_t limit = (uint64_t)INT64_MAX;
    const char *digits;
    uint64_t value = 0;

    if (strncmp(token, "bytes=", 6) != 0 || token[6] == '\0')
        return -1;

    for (digits = token + 6; *digits; ++digits) {
        const uint64_t digit = (uint64_t)(*digits - '0');
        if (*digits < '0' || *digits > '9')
            return -1;
        if (value > (limit - digit) / 10)
            return -1;
        value = value * 10 + digit;
    }
    *offset = value;
    return 0;
}

/* Opens the output: anew for a fresh run, cut back to the checkpoint for a
 * resumed one. 0 on success, -1 with a logged reason. */
static int open_output(jsonl_sink *sink, const char *checkpoint) {
    struct stat info;
    uint64_t offset = 0;

    if (!checkpoint) {
        sink->fd = open(sink->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        0666);
        if (sink->fd < 0) {
            log_line(sink->host, FC_LOG_ERROR, "cannot create '%s': %s",
                     sink->path, strerror(errno));
            return -1;
        }
        sink->needs_dir_sync = 1;
        log_line(sink->host, FC_LOG_INFO, "writing '%s'", sink->path);
        return 0;
    }

    if (parse_checkpoint(checkpoint, &offset) != 0) {
        log_line(sink->host, FC_LOG_ERROR,
                 "cannot resume '%s': '%s' is not a jsonl_sink checkpoint",
                 sink->path, checkpoint);
        return -1;
    }

    sink->fd = open(sink->path, O_WRONLY | O_CLOEXEC);
    if (sink->fd < 0 || fstat(sink->fd, &info) != 0) {
        log_line(sink->host, FC_LOG_ERROR, "cannot resume '%s': %s",
                 sink->path, strerror(errno));
        return -1;
    }

    /* A file shorter than the checkpoint was replaced or edited since:
     * appending to it would lose records the journal counts as written. */
    if ((uint64_t)info.st_size < offset) {
        log_line(sink->host, FC_LOG_ERROR,
                 "cannot resume '%s': it has %" PRIu64
                 " bytes, fewer than the checkpoint's %" PRIu64,
                 sink->path, (uint64_t)info.st_size, offset);
        return -1;
    }

    if (ftruncate(sink->fd, (off_t)offset) != 0 ||
        lseek(sink->fd, (off_t)offset, SEEK_SET) < 0) {
        log_line(sink->host, FC_LOG_ERROR, "cannot cut '%s' back to %" PRIu64
                 " bytes: %s", sink->path, offset, strerror(errno));
        return -1;
    }
    sink->size = offset;
    log_line(sink->host, FC_LOG_INFO,
             "resuming '%s' at byte %" PRIu64 ", dropping %" PRIu64
             " bytes written after the checkpoint",
             sink->path, offset, (uint64_t)info.st_size - offset);
    return 0;
}

/* ---- Config ------------------------------------------------------------- */

/* Reads [sink.jsonl_sink]. The host reports a value of the wrong type on
 * its own (FC_ERROR); a value of the right type that makes no sense is ours
 * to reject, through config_error() so the message names file and line. */
static int read_config(jsonl_sink *sink) {
    const fc_host_v1 *host = sink->host;
    int32_t rc = host->config_int(host->host_ctx, "max_record_bytes",
                                  &sink->max_record_bytes);

    if (rc == FC_NOT_FOUND) {
        sink->max_record_bytes = 0;
        return 0;
    }
    if (rc != FC_OK)
        return -1;

    if (sink->max_record_bytes < 0) {
        host->config_error(host->host_ctx, "max_record_bytes",
                           "must be 0 (no limit) or a positive byte count");
        return -1;
    }
    return 0;
}

/* ---- The sink functions ------------------------------------------------- */

static void free_sink(jsonl_sink *sink) {
    if (sink->fd >= 0)
        close(sink->fd);
    free(sink->buffer);
    free(sink->path);
    free(sink);
}

/* Everything create() relies on, checked before the first call through it. */
static int host_usable(const fc_host_v1 *host) {
    return host && host->abi_major == FETCHCTL_ABI_MAJOR &&
           JSONL_HAS_FIELD(host, fc_host_v1, config_error) && host->log &&
           host->config_int && host->config_error;
}

static int32_t jsonl_create(const fc_host_v1 *host, const fc_sink_open_v1 *open,
                            void **instance) {
    jsonl_sink *sink;

    /* Without a usable host there is nowhere to say why. */
    if (!instance || !host_usable(host))
        return FC_ERROR;
    *instance = NULL;

    if (!open || !JSONL_HAS_FIELD(open, fc_sink_open_v1, resume_checkpoint) ||
        !open->output || !*open->output) {
        log_line(host, FC_LOG_ERROR, "create() got no output path");
        return FC_ERROR;
    }

    sink = calloc(1, sizeof *sink);
    if (!sink)
        return FC_ERROR;
    sink->host = host;
    sink->fd = -1;
    sink->path = malloc(strlen(open->output) + 1);
    sink->buffer = malloc(JSONL_BUFFER_SIZE);
    if (!sink->path || !sink->buffer) {
        log_line(host, FC_LOG_ERROR, "out of memory");
        free_sink(sink);
        return FC_ERROR;
    }
    strcpy(sink->path, open->output);

    /* Every key is read before the output is touched: a config error must
     * leave the previous output alone. */
    if (read_config(sink) != 0 ||
        open_output(sink, open->resume_checkpoint) != 0) {
        free_sink(sink);
        return FC_ERROR;
    }
    *instance = sink;
    return FC_OK;
}

static int is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Checks that `body` can be one JSON Lines record and trims surrounding
 * whitespace (a trailing newline is common and harmless) into
 * [*start, *end). Returns 0, or -1 with the reason in `why`. Deliberately
 * shallow: the promise is one object per line, not a validated document. */
static int check_body(const char *body, size_t size, size_t *start,
                      size_t *end, char *why, size_t why_size) {
    size_t i;

    *start = 0;
    *end = size;
    while (*start < *end && is_blank(body[*start]))
        ++*start;
    while (*end > *start && is_blank(body[*end - 1]))
        --*end;

    if (*start == *end) {
        snprintf(why, why_size, "the body is empty");
        return -1;
    }
    if (body[*start] != '{' || body[*end - 1] != '}') {
        snprintf(why, why_size, "the body is not a JSON object (it must "
                 "start with '{' and end with '}')");
        return -1;
    }

    for (i = *start; i < *end; ++i) {
        if (body[i] == '\n' || body[i] == '\r') {
            snprintf(why, why_size, "the body has a line break at byte %zu; "
                     "a JSON Lines record must fit on one line", i);
            return -1;
        }
        if (body[i] == '\0') {
            snprintf(why, why_size, "the body has a NUL byte at byte %zu", i);
            return -1;
        }
    }
    return 0;
}

static int32_t jsonl_write(void *instance, const fc_record_v1 *record) {
    jsonl_sink *sink = instance;
    const char *id;
    char why[160];
    size_t start, end, length;

    if (!record || !JSONL_HAS_FIELD(record, fc_record_v1, body_size) ||
        (!record->body && record->body_size > 0)) {
        log_line(sink->host, FC_LOG_ERROR, "write() got no usable record");
        return FC_ERROR;
    }
    id = record->item_id ? record->item_id : "?";

    /* Bad data fails this item only (FC_REJECTED); the host lists the last
     * message logged as the reason in the failed-items file. */
    if (check_body(record->body ? record->body : "", record->body_size,
                   &start, &end, why, sizeof why) != 0) {
        log_line(sink->host, FC_LOG_ERROR, "item '%s' rejected: %s", id, why);
        return FC_REJECTED;
    }
    length = end - start;
    if (sink->max_record_bytes > 0 &&
        (uint64_t)length > (uint64_t)sink->max_record_bytes) {
        log_line(sink->host, FC_LOG_ERROR,
                 "item '%s' rejected: %zu bytes, over max_record_bytes %"
                 PRId64, id, length, sink->max_record_bytes);
        return FC_REJECTED;
    }

    /* From here on a failure is the output's, not the record's: FC_ERROR
     * stops the run, and a rerun resumes from the last checkpoint. */
    if (sink->buffered + length + 1 > JSONL_BUFFER_SIZE &&
        drain_buffer(sink) != 0)
        return FC_ERROR;
    if (length + 1 > JSONL_BUFFER_SIZE) {
        if (write_all(sink->fd, record->body + start, length) != 0 ||
            write_all(sink->fd, "\n", 1) != 0) {
            log_line(sink->host, FC_LOG_ERROR, "cannot write '%s': %s",
                     sink->path, strerror(errno));
            return FC_ERROR;
        }
    } else {
        memcpy(sink->buffer + sink->buffered, record->body + start, length);
        sink->buffer[sink->buffered + length] = '\n';
        sink->buffered += length + 1;
    }
    sink->size += length + 1;
    return FC_OK;
}

static int32_t jsonl_flush(void *instance, char *checkpoint) {
    jsonl_sink *sink = instance;

    if (drain_buffer(sink) != 0)
        return FC_ERROR;

    if (fsync(sink->fd) != 0) {
        log_line(sink->host, FC_LOG_ERROR, "cannot sync '%s': %s", sink->path,
                 strerror(errno));
        return FC_ERROR;
    }
    if (sink->needs_dir_sync) {
        if (sync_parent_dir(sink->path) != 0) {
            log_line(sink->host, FC_LOG_ERROR,
                     "cannot sync the folder of '%s': %s", sink->path,
                     strerror(errno));
            return FC_ERROR;
        }
        sink->needs_dir_sync = 0;
    }

    /* At most 26 bytes: far below FC_CHECKPOINT_MAX. */
    snprintf(checkpoint, FC_CHECKPOINT_MAX, "bytes=%" PRIu64, sink->size);
    return FC_OK;
}

static void jsonl_destroy(void *instance) {
    jsonl_sink *sink = instance;

    if (!sink)
        return;

    /* Best effort: lines after the last checkpoint are cut off by a resumed
     * run anyway, and kept by a finished one. */
    if (drain_buffer(sink) != 0)
        log_line(sink->host, FC_LOG_WARN,
                 "the last lines of '%s' may be missing", sink->path);
    free_sink(sink);
}

/* ---- The descriptor ----------------------------------------------------- */

static const fc_sink_v1 sink_table = {
    sizeof(fc_sink_v1), jsonl_create, jsonl_write, jsonl_flush, jsonl_destroy,
};

static const fc_plugin_v1 descriptor = {
    sizeof(fc_plugin_v1),
    FETCHCTL_ABI_MAJOR,
    FETCHCTL_ABI_MINOR,
    FC_KIND_SINK,
    "jsonl_sink",
    JSONL_SINK_VERSION,
    "writes each record's JSON body as one line (JSON Lines)",
    NULL,
    &sink_table,
};

FETCHCTL_PLUGIN_EXPORT const fc_plugin_v1 *fc_plugin_entry(void) {
    return &descriptor;
}
