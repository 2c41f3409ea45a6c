// csv_sink.cpp - the CSV sink's C++ core; see csv_sink.hpp.
//
// One owner thread. Bad data is returned as a message; I/O failures throw.
#include "csv_sink.hpp"

#include <algorithm>
#include <utility>

namespace fetchctl::csv_sink {

namespace {

struct provenance_name {
    provenance_field field;
    const char *name;
};

constexpr provenance_name provenance_names[] = {
    {provenance_field::attempts, "attempts"},     {provenance_field::statuses, "statuses"},
    {provenance_field::waited_ms, "waited_ms"},   {provenance_field::latency_ms, "latency_ms"},
    {provenance_field::transport, "transport"},   {provenance_field::run_id, "run_id"},
};

const char *name_of(provenance_field field) {
    for (const provenance_name &entry : provenance_names) {
        if (entry.field == field) {
            return entry.name;
        }
    }
    return "?";
}

const std::string &value_of(const provenance_values &values, provenance_field field) {
    switch (field) {
    case provenance_field::attempts: return values.attempts;
    case provenance_field::statuses: return values.statuses;
    case provenance_field::waited_ms: return values.waited_ms;
    case provenance_field::latency_ms: return values.latency_ms;
    case provenance_field::transport: return values.transport;
    case provenance_field::run_id: return values.run_id;
    }
    return values.run_id;
}

std::string header_row(const sink_settings &settings) {
    std::vector<std::string> names;
    names.reserve(settings.columns.size() + settings.provenance.size());
    for (const column_path &column : settings.columns) {
        names.push_back(column.name);
    }
    for (provenance_field field : settings.provenance) {
        names.push_back(std::string("_") + name_of(field));
    }

    std::string row;
    append_header(row, names, settings.csv);
    return row;
}

// A token comes from the job's journal; keep a damaged one from flooding
// the log.
std::string shorten(std::string_view text) {
    constexpr std::size_t limit = 64;
    if (text.size() <= limit) {
        return std::string(text);
    }
    return std::string(text.substr(0, limit)) + "...";
}

csv_file open_output(const sink_settings &settings, const std::string &path,
                     const char *token, open_info &info) {
    if (path.empty()) {
        throw file_error("no output path is configured");
    }
    const std::string header = settings.header ? header_row(settings) : "";

    if (token == nullptr) {
        csv_file file = csv_file::create(path);
        file.append(header);
        return file;
    }

    const auto offset = parse_checkpoint(token);
    if (!offset) {
        throw file_error("cannot resume '" + path + "': checkpoint '" +
                         shorten(token) + "' is not 'bytes=<offset>'");
    }
    csv_file file = csv_file::reopen(path, *offset, header, info.dropped);
    info.resumed = true;

    // Nothing was durable yet, so the header never made it either.
    if (*offset == 0) {
        file.append(header);
    }
    return file;
}

} // namespace

const std::vector<std::string> &default_columns() {
    static const std::vector<std::string> names = {
        "order_id", "account_id", "company", "status",     "currency",
        "subtotal", "tax",        "total",   "created_at",
    };
    return names;
}

std::string set_columns(sink_settings &settings,
                        const std::vector<std::string> &names) {
    if (names.empty()) {
        return "must name at least one column";
    }

    std::vector<column_path> columns;
    columns.reserve(names.size());
    for (const std::string &name : names) {
        column_path column;
        if (std::string problem = parse_column(name, column); !problem.empty()) {
            return problem;
        }

        const auto same = [&](const column_path &c) { return c.name == name; };
        if (std::any_of(columns.begin(), columns.end(), same)) {
            return "column '" + name + "' is listed twice";
        }
        columns.push_back(std::move(column));
    }

    settings.columns = std::move(columns);
    return {};
}

std::string set_provenance(sink_settings &settings, const std::vector<std::string> &names) {
    std::vector<provenance_field> fields;
    for (const std::string &name : names) {
        const provenance_name *found = nullptr;
        for (const provenance_name &entry : provenance_names) {
            if (name == entry.name) {
                found = &entry;
            }
        }
        if (found == nullptr) {
            return "unknown provenance field '" + name +
                   "' (expected attempts, statuses, waited_ms, latency_ms, transport or run_id)";
        }
        if (std::find(fields.begin(), fields.end(), found->field) != fields.end()) {
            return "provenance field '" + name + "' is listed twice";
        }
        fields.push_back(found->field);
    }
    settings.provenance = std::move(fields);
    return {};
}

csv_sink::csv_sink(sink_settings settings, const std::string &path,
                   const char *resume_checkpoint)
    : settings_(std::move(settings)),
      extractor_(settings_.columns),
      file_(open_output(settings_, path, resume_checkpoint, opened_)) {
    opened_.offset = file_.size();
    fields_.reserve(settings_.columns.size());
}

std::string csv_sink::write(std::string_view body, const provenance_values &provenance) {
    if (std::string problem = extractor_.extract(body, cells_);
        !problem.empty()) {
        return problem;
    }

    fields_.clear();
    for (const json_cell &cell : cells_) {
        const field_origin origin = cell.kind == value_kind::string
                                        ? field_origin::text
                                        : field_origin::literal;
        fields_.push_back({cell.text, origin});
    }
    for (provenance_field field : settings_.provenance) {
        fields_.push_back({value_of(provenance, field), field_origin::literal});
    }

    row_.clear();
    append_row(row_, fields_, settings_.csv);
    file_.append(row_);
    return {};
}

std::string csv_sink::flush() { return format_checkpoint(file_.sync()); }

void csv_sink::close() { file_.close(); }

} // namespace fetchctl::csv_sink
