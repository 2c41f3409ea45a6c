// Fuzzes config loading: any text must give a job_spec or a config_error
// whose message names the file, never a crash or another exception.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config_error.hpp"
#include "job_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string text(reinterpret_cast<const char *>(data), size);
    try {
        const fetchctl::job_spec spec = fetchctl::parse_job_spec(text, "/fuzz/job.toml", "/tmp");
        if (spec.request.url_template.find("{id}") == std::string::npos)
            std::abort();
    } catch (const fetchctl::config_error &error) {
        if (std::string(error.what()).rfind("/fuzz/job.toml", 0) != 0)
            std::abort();
    }
    return 0;
}
