/*
 * A sink that says it was built against plugin ABI 1.0, as a plugin
 * compiled before FC_REJECTED existed would. A 1.x host must load and run
 * it: minor versions only add. It writes one id per line and never
 * returns FC_REJECTED, a code its ABI version does not know. Test fixture
 * for plugin_abi_test; single-threaded like every sink.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fetchctl/plugin.h"

typedef struct old_minor_sink {
    FILE *file;
} old_minor_sink;

static int32_t sink_create(const fc_host_v1 *host, const fc_sink_open_v1 *open,
                           void **instance) {
    old_minor_sink *sink = calloc(1, sizeof *sink);
    if (!sink)
        return FC_ERROR;

    /* Checkpoints are "": a resumed run may repeat lines, which the test
     * never provokes. */
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
    old_minor_sink *sink = instance;
    return fprintf(sink->file, "%s\n", record->item_id) < 0 ? FC_ERROR : FC_OK;
}

static int32_t sink_flush(void *instance, char *checkpoint) {
    old_minor_sink *sink = instance;
    checkpoint[0] = '\0';
    return fflush(sink->file) == 0 ? FC_OK : FC_ERROR;
}

static void sink_destroy(void *instance) {
    old_minor_sink *sink = instance;
    fclose(sink->file);
    free(sink);
}

static const fc_sink_v1 table = {
    sizeof(fc_sink_v1), sink_create, sink_write, sink_flush, sink_destroy,
};

/* abi_minor is spelled out rather than FETCHCTL_ABI_MINOR: this plugin
 * stands for one built against the 1.0 header. */
static const fc_plugin_v1 descriptor = {
    sizeof(fc_plugin_v1),
    1,
    0,
    FC_KIND_SINK,
    "old_minor_sink",
    "0.0.1",
    "test fixture: built against plugin ABI 1.0",
    NULL,
    &table,
};

FETCHCTL_PLUGIN_EXPORT const fc_plugin_v1 *fc_plugin_entry(void) {
    return &descriptor;
}
