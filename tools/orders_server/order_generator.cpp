// Deterministic order generation; see order_generator.hpp.
//
// The name tables are deliberately awkward for CSV and spreadsheet writers:
// roughly 30% of companies contain a comma, and smaller shares carry double
// quotes, apostrophes, non-ASCII UTF-8 or a leading formula character.
#include "order_generator.hpp"

#include <array>
#include <cstddef>

namespace orders_server {
namespace {

// splitmix64: a tiny, well-mixed generator whose whole state is one word,
// so a fresh stream per (seed, id) costs nothing.
class id_stream {
public:
    id_stream(std::uint64_t seed, std::int64_t id) : state_(seed) {
        state_ = next() ^ static_cast<std::uint64_t>(id);
    }

    std::uint64_t next() {
        state_ += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    /// A value in [low, high]; the modulo bias is irrelevant for a mock.
    std::int64_t between(std::int64_t low, std::int64_t high) {
        auto span = static_cast<std::uint64_t>(high - low) + 1;
        return low + static_cast<std::int64_t>(next() % span);
    }

    template <typename T, std::size_t N>
    const T& pick(const std::array<T, N>& table) {
        return table[next() % N];
    }

private:
    std::uint64_t state_;
};

constexpr std::array<std::string_view, 16> plain_bases = {
    "Northwind Traders", "Blue Heron Logistics", "Granite Peak Software",
    "Copperleaf Analytics", "Harborview Foods", "Silverline Freight",
    "Redwood Data Systems", "Lakeside Paper Mill", "Brightwater Energy",
    "Ironbark Tools", "Juniper Cloud Services", "Kestrel Aerospace",
    "Orchid Biotech", "Pinecrest Insurance", "Tidewater Shipping",
    "Vantage Point Media",
};

constexpr std::array<std::string_view, 5> plain_suffixes = {
    "", " Corp", " Ltd", " Group", " Labs",
};

constexpr std::array<std::string_view, 4> comma_suffixes = {
    ", Inc.", ", LLC", ", Ltd.", ", Co.",
};

constexpr std::array<std::string_view, 5> comma_partnerships = {
    "Hale, Porter and Finch", "Baker, Lowe & Partners",
    "Smith, Jones, and Wu", "Nord, Süd & Partner",
    "Lee, Park, Kim, Choi",
};

constexpr std::array<std::string_view, 5> quoted_names = {
    "The \"Best\" Widgets", "\"Quoted\" Holdings",
    "Stone \"Rocky\" Masonry", "Say \"Cheese\" Dairy, Inc.",
    "Bits \"n\" Bytes Ltd",
};

constexpr std::array<std::string_view, 5> apostrophe_names = {
    "O'Brien & Sons", "Dunkin' Deliveries", "McGregor's Hardware",
    "Rock 'n' Roll Records", "Sophie's Catering",
};

constexpr std::array<std::string_view, 10> non_ascii_names = {
    "Müller GmbH", "Société Générale", "東京商事",
    "Øresund Shipping ApS", "Café Lumière SARL",
    "Zürcher Uhrenmanufaktur AG", "Ålesund Fisk AS", "Łódź Metalworks",
    "São Paulo Comércio Ltda", "Москва Трейдинг",
};

constexpr std::array<std::string_view, 5> formula_names = {
    "=HYPERLINK Ltd", "+Plus Corp", "-Minus Industries", "@Handle Media",
    "=SUM(A1) Partners",
};

struct person_name {
    std::string_view display;
    std::string_view slug;           // ASCII form used in email addresses
};

constexpr std::array<person_name, 10> first_names = {{
    {"Alice", "alice"}, {"José", "jose"}, {"Zoë", "zoe"},
    {"Søren", "soren"}, {"Łukasz", "lukasz"}, {"Amélie", "amelie"},
    {"Ravi", "ravi"}, {"Mei", "mei"}, {"Tom", "tom"}, {"Fatima", "fatima"},
}};

constexpr std::array<person_name, 10> last_names = {{
    {"Nguyen", "nguyen"}, {"O'Neil", "oneil"}, {"García", "garcia"},
    {"Schröder", "schroder"}, {"Smith", "smith"}, {"Kowalski", "kowalski"},
    {"Tanaka", "tanaka"}, {"Dubois", "dubois"}, {"Okafor", "okafor"},
    {"van der Berg", "vanderberg"},
}};

constexpr std::array<std::string_view, 4> email_domains = {
    "example.com", "example.org", "example.net", "mail.example",
};

struct country_info {
    std::string_view code;
    std::string_view currency;
    std::string_view dial_prefix;
};

constexpr std::array<country_info, 9> countries = {{
    {"US", "USD", "+1"}, {"CA", "USD", "+1"}, {"GB", "GBP", "+44"},
    {"DE", "EUR", "+49"}, {"FR", "EUR", "+33"}, {"ES", "EUR", "+34"},
    {"NL", "EUR", "+31"}, {"IE", "EUR", "+353"}, {"JP", "USD", "+81"},
}};

constexpr std::array<std::string_view, 4> statuses = {
    "created", "confirmed", "invoiced", "paid",
};

constexpr std::array<std::string_view, 8> product_names = {
    "API calls (per 1k)", "Storage, GB-month", "Seats", "Bandwidth TB",
    "Support plan – premium", "12\" rack unit", "Consulting hour",
    "Données archivées",
};

std::string make_company(id_stream& rng) {
    auto roll = rng.between(0, 99);

    // Shares: 30% comma, 7% quotes, 7% apostrophes, 12% non-ASCII,
    // 4% formula prefix, the rest plain.
    if (roll < 22) {
        return std::string(rng.pick(plain_bases))
            + std::string(rng.pick(comma_suffixes));
    }
    if (roll < 30) {
        return std::string(rng.pick(comma_partnerships));
    }
    if (roll < 37) {
        return std::string(rng.pick(quoted_names));
    }
    if (roll < 44) {
        return std::string(rng.pick(apostrophe_names));
    }
    if (roll < 56) {
        return std::string(rng.pick(non_ascii_names));
    }
    if (roll < 60) {
        return std::string(rng.pick(formula_names));
    }
    return std::string(rng.pick(plain_bases))
        + std::string(rng.pick(plain_suffixes));
}

contact_info make_contact(id_stream& rng, const country_info& country) {
    const person_name& first = rng.pick(first_names);
    const person_name& last = rng.pick(last_names);

    contact_info contact;
    contact.name = std::string(first.display) + " "
        + std::string(last.display);
    contact.email = std::string(first.slug) + "." + std::string(last.slug)
        + "@" + std::string(rng.pick(email_domains));
    contact.phone = std::string(country.dial_prefix) + " "
        + std::to_string(rng.between(200, 999)) + " "
        + std::to_string(rng.between(1000, 9999));
    contact.country = country.code;
    return contact;
}

order_line make_line(id_stream& rng) {
    order_line line;
    line.sku = "SKU-" + std::to_string(rng.between(10000, 99999));
    line.name = rng.pick(product_names);
    line.qty = static_cast<int>(rng.between(1, 50));
    line.unit_price_cents = rng.between(99, 99999);
    line.amount_cents = line.qty * line.unit_price_cents;

    auto month = rng.between(1, 12);
    line.usage_month = std::to_string(rng.between(2023, 2025))
        + (month < 10 ? "-0" : "-") + std::to_string(month);
    return line;
}

}  // namespace

std::int64_t tax_cents_for(std::string_view currency,
                           std::int64_t subtotal_cents) {
    std::int64_t percent = currency == "USD" ? 7 : 20;
    return (subtotal_cents * percent + 50) / 100;
}

order make_order(std::uint64_t seed, std::int64_t id) {
    id_stream rng(seed, id);
    const country_info& country = rng.pick(countries);

    order result;
    result.id = id;
    result.account_id = static_cast<int>(rng.between(10000, 99999));
    result.company = make_company(rng);
    result.contact = make_contact(rng, country);
    result.status = rng.pick(statuses);
    result.currency = country.currency;

    auto line_count = rng.between(1, 3);
    for (std::int64_t i = 0; i < line_count; ++i) {
        result.lines.push_back(make_line(rng));
        result.subtotal_cents += result.lines.back().amount_cents;
    }

    result.tax_cents = tax_cents_for(result.currency, result.subtotal_cents);
    result.total_cents = result.subtotal_cents + result.tax_cents;
    return result;
}

}  // namespace orders_server
