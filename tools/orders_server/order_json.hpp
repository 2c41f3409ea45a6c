// Renders an order as the JSON body of GET /item/{id}.
//
// The normal shape is what well-behaved clients see. The other shapes are
// the body faults (see fault_plan.hpp): the same order with fields set to
// null, fields left out, unknown fields added, numbers written in unusual
// but equal forms, or text that is not JSON at all. Pure functions; safe
// from any thread.
#pragma once

#include "order_generator.hpp"

#include <string>
#include <string_view>

namespace orders_server {

enum class body_shape {
    normal,
    nulls,         // company, contact.phone, tax, lines[0].usage_month null
    missing,       // status, contact.email, every usage_month left out
    extra,         // unknown fields at the top, in contact and in lines
    numbers,       // exponent and trailing-zero forms, huge integers
    invalid,       // the normal text cut in half: never valid JSON
};

/// Renders `o` in `shape`, with `created_at` copied into the body as is.
std::string render_order(const order& o, body_shape shape,
                         std::string_view created_at);

/// The current UTC time as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
std::string utc_now_iso8601();

/// Writes money in scientific form with the same value, e.g. 1250 cents
/// -> `1.25e1`, 5 cents -> `5e-2`. Used by the `numbers` shape.
std::string money_exponent_text(std::int64_t cents);

}  // namespace orders_server
