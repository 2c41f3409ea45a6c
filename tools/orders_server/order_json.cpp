// Order rendering; see order_json.hpp.
#include "order_json.hpp"

#include "json_text.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace orders_server {
namespace {

// Integers and decimals that break naive parsers: past 2^53, past 64 bits,
// exponents in both cases and signs, trailing zeros, negative zero.
constexpr std::string_view awkward_numbers =
    "{\"past_2_53\":9007199254740993,"
    "\"u64_max\":18446744073709551615,"
    "\"past_u64\":18446744073709551616,"
    "\"i64_min\":-9223372036854775808,"
    "\"exp\":1.5e3,"
    "\"exp_upper_negative\":-2.5E-4,"
    "\"exp_plus\":1E+2,"
    "\"trailing_zeros\":10.500,"
    "\"negative_zero\":-0.0,"
    "\"tiny\":5e-324}";

void append_contact(std::string& out, const contact_info& c,
                    body_shape shape) {
    out += '{';
    append_key(out, "name");
    append_json_string(out, c.name);

    if (shape != body_shape::missing) {
        out += ',';
        append_key(out, "email");
        append_json_string(out, c.email);
    }

    out += ',';
    append_key(out, "phone");
    if (shape == body_shape::nulls) {
        out += "null";
    } else {
        append_json_string(out, c.phone);
    }

    out += ',';
    append_key(out, "country");
    append_json_string(out, c.country);
    if (shape == body_shape::extra) {
        out += ",\"title\":\"Head of Procurement\",\"fax\":null";
    }
    out += '}';
}

void append_line(std::string& out, const order_line& line, bool first,
                 body_shape shape) {
    out += '{';
    append_key(out, "sku");
    append_json_string(out, line.sku);
    out += ',';
    append_key(out, "name");
    append_json_string(out, line.name);
    out += ",\"qty\":" + std::to_string(line.qty);

    out += ',';
    append_key(out, "unit_price");
    if (shape == body_shape::numbers) {
        out += money_exponent_text(line.unit_price_cents);
    } else {
        append_money(out, line.unit_price_cents);
    }
    out += ',';
    append_key(out, "amount");
    append_money(out, line.amount_cents);

    if (shape == body_shape::nulls && first) {
        out += ",\"usage_month\":null";
    } else if (shape != body_shape::missing) {
        out += ',';
        append_key(out, "usage_month");
        append_json_string(out, line.usage_month);
    }
    if (shape == body_shape::extra) {
        out += ",\"discount\":null,\"tags\":[\"promo\",\"q3\"]";
    }
    out += '}';
}

std::string render_full(const order& o, body_shape shape,
                        std::string_view created_at) {
    std::string out;
    out.reserve(1024);
    out += "{\"order_id\":" + std::to_string(o.id);
    out += ",\"account_id\":" + std::to_string(o.account_id);

    out += ',';
    append_key(out, "company");
    if (shape == body_shape::nulls) {
        out += "null";
    } else {
        append_json_string(out, o.company);
    }
    out += ',';
    append_key(out, "contact");
    append_contact(out, o.contact, shape);

    if (shape != body_shape::missing) {
        out += ',';
        append_key(out, "status");
        append_json_string(out, o.status);
    }
    out += ',';
    append_key(out, "currency");
    append_json_string(out, o.currency);

    out += ",\"lines\":[";
    for (std::size_t i = 0; i < o.lines.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        append_line(out, o.lines[i], i == 0, shape);
    }
    out += ']';

    out += ",\"subtotal\":";
    append_money(out, o.subtotal_cents);
    if (shape == body_shape::numbers) {
        // Same value, two extra zeros: "1234.50" becomes "1234.5000".
        out += "00";
    }
    out += ",\"tax\":";
    if (shape == body_shape::nulls) {
        out += "null";
    } else {
        append_money(out, o.tax_cents);
    }
    out += ",\"total\":";
    append_money(out, o.total_cents);

    out += ',';
    append_key(out, "created_at");
    append_json_string(out, created_at);
    out += ",\"source\":\"mock\"";

    if (shape == body_shape::extra) {
        out += ",\"schema_version\":2,\"internal\":{\"shard\":"
            + std::to_string(o.account_id % 16)
            + ",\"flags\":[true,false],\"trace\":null}";
    }
    if (shape == body_shape::numbers) {
        out += ",\"measures\":";
        out += awkward_numbers;
    }
    out += '}';
    return out;
}

}  // namespace

std::string render_order(const order& o, body_shape shape,
                         std::string_view created_at) {
    if (shape == body_shape::invalid) {
        // Half of an object can never close its outer brace.
        std::string full = render_full(o, body_shape::normal, created_at);
        full.resize(full.size() / 2);
        return full;
    }
    return render_full(o, shape, created_at);
}

std::string utc_now_iso8601() {
    using namespace std::chrono;
    auto now = system_clock::now();
    auto micros = duration_cast<microseconds>(now.time_since_epoch());
    std::time_t whole_seconds = system_clock::to_time_t(
        system_clock::time_point(duration_cast<seconds>(micros)));

    std::tm parts{};
    gmtime_r(&whole_seconds, &parts);
    // Sized for the widest values the format could produce, which keeps
    // GCC's truncation warning quiet; real timestamps use 27 bytes.
    char text[96];
    std::snprintf(text, sizeof text,
                  "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                  parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                  parts.tm_hour, parts.tm_min, parts.tm_sec,
                  static_cast<int>(micros.count() % 1000000));
    return text;
}

std::string money_exponent_text(std::int64_t cents) {
    if (cents <= 0) {
        return money_text(cents);
    }

    // Digits of the cents value; the decimal point sits two from the end.
    std::string digits = std::to_string(cents);
    auto exponent = static_cast<int>(digits.size()) - 3;
    std::string rest = digits.substr(1);
    while (!rest.empty() && rest.back() == '0') {
        rest.pop_back();
    }

    std::string text(1, digits[0]);
    if (!rest.empty()) {
        text += '.' + rest;
    }
    return text + "e" + std::to_string(exponent);
}

}  // namespace orders_server
