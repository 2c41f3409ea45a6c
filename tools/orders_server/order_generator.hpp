// Deterministic order data for the mock API.
//
// Every field of an order (except its creation time, which the renderer
// adds) is a pure function of (seed, id): the same server flags always
// answer the same order for an id, so clients can fetch twice, retry, or
// compare runs and expect identical values. Randomness comes from a
// splitmix64 stream seeded from the pair, never from a global generator,
// so concurrent requests cannot disturb each other. make_order() is
// stateless and safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace orders_server {

/// One billed item of an order. Money is held in integer cents.
struct order_line {
    std::string sku;
    std::string_view name;
    int qty = 0;
    std::int64_t unit_price_cents = 0;
    std::int64_t amount_cents = 0;   // qty * unit_price_cents
    std::string usage_month;         // "YYYY-MM"
};

struct contact_info {
    std::string name;
    std::string email;
    std::string phone;
    std::string_view country;        // ISO 3166 alpha-2 code
};

struct order {
    std::int64_t id = 0;
    int account_id = 0;              // 10000-99999
    std::string company;
    contact_info contact;
    std::string_view status;         // created/confirmed/invoiced/paid
    std::string_view currency;       // USD/EUR/GBP
    std::vector<order_line> lines;   // 1 to 3 lines
    std::int64_t subtotal_cents = 0;
    std::int64_t tax_cents = 0;      // 7% for USD, else 20%, half up
    std::int64_t total_cents = 0;
};

/// Builds the order for `id` under `seed`. The string_views in the result
/// point at static tables and stay valid for the life of the program.
order make_order(std::uint64_t seed, std::int64_t id);

/// Tax in cents on `subtotal_cents` for `currency`, rounded half up.
std::int64_t tax_cents_for(std::string_view currency,
                           std::int64_t subtotal_cents);

}  // namespace orders_server
