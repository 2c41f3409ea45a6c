/*
 * A sink that accepts `fail_after` records (config key, default 3), then
 * reports an error on every write. fetchctl must stop cleanly and never
 * journal the records after the failure as done. Records go to the output
 * as one id per line, flushed on flush(), so tests can see what was
 * accepted. Plain C.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetchctl/plugin.h"

typedef struct failing_sink {
    FILE *file;
    int64_t fail_after;
    int64_t accepted;
} failing_sink;

static int32_t sink_create(const fc_host_v1 *host, const fc_sink_open_v1 *open,
                           void **instance) {
    failing_sink *sink = calloc(1, sizeof *sink);
    if (!sink)
        return FC_ERROR;
    sink->fail_after = 3;
    if (host->config_int(host->host_ctx, "fail_after", &sink->fail_after) == FC_ERROR) {
        free(sink);
        return FC_ERROR;
    }
    sink->file = fopen(open->output, open->resume_checkpoint ? "ab" : "wb");
    if (!sink->file) {
        host->log(host->host_ctx, FC_LOG_ERROR, "cannot open the output");
        free(sink);
        return FC_ERROR;
    }
    *instance = sink;
    return FC_OK;
}

static int32_t sink_write(void *instance, const fc_record_v1 *record) {
    failing_sink *sink = instance;
    if (sink->accepted >= sink->fail_after)
        return FC_ERROR;
    sink->accepted++;
    fprintf(sink->file, "%s\n", record->item_id);
    return FC_OK;
}

static int32_t sink_flush(void *instance, char *checkpoint) {
    failing_sink *sink = instance;
    fflush(sink->file);
    checkpoint[0] = '\0';
    return FC_OK;
}

static void sink_destroy(void *instance) {
    failing_sink *sink = instance;
    fclose(sink->file);
    free(sink);
}

static const fc_sink_v1 table = {
    sizeof(fc_sink_v1), sink_create, sink_write, sink_flush, sink_destroy,
};

static const fc_plugin_v1 descriptor = {
    sizeof(fc_plugin_v1),
    FETCHCTL_ABI_MAJOR,
    FETCHCTL_ABI_MINOR,
    FC_KIND_SINK,
    "failing_sink",
    "0.0.1",
    "test fixture: fails after a few records",
    NULL,
    &table,
};

FETCHCTL_PLUGIN_EXPORT const fc_plugin_v1 *fc_plugin_entry(void) {
    return &descriptor;
}
