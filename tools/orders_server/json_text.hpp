// Small helpers for writing JSON text by hand.
//
// The orders server builds its bodies as strings instead of through a JSON
// library so that every number appears exactly as the spec spells it
// (money always with two decimals, ids as the client sent them). These
// functions only append to a caller-owned string; they keep no state and
// are safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace orders_server {

/// Appends `text` as a quoted JSON string. UTF-8 passes through untouched;
/// quotes, backslashes and control characters are escaped.
void append_json_string(std::string& out, std::string_view text);

/// Appends an amount of money given in cents as a JSON number with exactly
/// two decimals, e.g. 700 -> `7.00`, -5 -> `-0.05`.
void append_money(std::string& out, std::int64_t cents);

/// Returns the money text of `cents` (see append_money).
std::string money_text(std::int64_t cents);

/// Appends `"key":` with the key escaped, ready for a value.
void append_key(std::string& out, std::string_view key);

/// Returns `{"detail":"<message>"}`, the body of every error answer.
std::string detail_body(std::string_view message);

}  // namespace orders_server
