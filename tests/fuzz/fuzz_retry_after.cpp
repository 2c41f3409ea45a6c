// Fuzzes Retry-After parsing: any bytes must give nullopt or a finite,
// non-negative wait, never a crash or an overflow.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "retry_after.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view value(reinterpret_cast<const char *>(data), size);
    const auto now = std::chrono::system_clock::from_time_t(1700000000);
    if (const auto wait = fetchctl::parse_retry_after(value, now)) {
        if (!std::isfinite(*wait) || *wait < 0 || *wait > 1e9)
            std::abort();
    }
    return 0;
}
