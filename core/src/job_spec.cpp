// job_spec.cpp: the job file's schema. Every key the file may hold is read
// here, with its type, range and default; anything else is an error.
#include "job_spec.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "config_error.hpp"
#include "id_source.hpp"
#include "toml_reader.hpp"

namespace fetchctl {
namespace {

namespace fs = std::filesystem;

constexpr double max_seconds = 7.0 * 24 * 3600; // a week bounds every wait

fs::path resolve(const fs::path &base, const std::string &value) {
    fs::path path(value);
    return path.is_absolute() ? path : (base / path).lexically_normal();
}

std::string id_text(const toml::node &node) {
    if (node.is_integer())
        return std::to_string(node.as_integer()->get());
    return node.as_string()->get();
}

} // namespace

/// Replaces each ${NAME} in a header value with the environment variable, so
/// secrets stay out of config files. A missing variable is an error; the
/// value itself never appears in a message.
std::string expand_environment(const std::string &value, const toml_reader &reader,
                               std::string_view key) {
    std::string expanded;
    std::size_t from = 0;
    for (std::size_t at; (at = value.find("${", from)) != std::string::npos;) {
        const auto close = value.find('}', at + 2);
        if (close == std::string::npos)
            reader.fail(key, "an unclosed ${ in the value");
        const std::string name = value.substr(at + 2, close - at - 2);
        const char *env = name.empty() ? nullptr : std::getenv(name.c_str());
        if (!env)
            reader.fail(key, fmt::format("the environment variable {} is not set", name.empty() ? "(empty name)" : name));
        expanded.append(value, from, at - from);
        expanded.append(env);
        from = close + 1;
    }
    expanded.append(value, from, std::string::npos);
    return expanded;
}

/// Applies one --set: "a.b.c=value" sets key c of table a.b, creating the
/// tables. The value is parsed as TOML; if that fails it is a string, so
/// --set sink.output=x.csv works without shell-quoted quotes.
void apply_override(toml::table &document, const std::string &text) {
    const auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0)
        throw config_error(fmt::format("--set {}: expected key=value, e.g. "
                                       "--set rate.requests_per_second=10",
                                       text));
    const std::string path = text.substr(0, equals);
    const std::string value_text = text.substr(equals + 1);

    toml::table *table = &document;
    std::string_view rest(path);
    for (;;) {
        const auto dot = rest.find('.');
        const std::string key(rest.substr(0, dot));
        if (key.empty())
            throw config_error(fmt::format("--set {}: empty key in \"{}\"", text, path));
        if (dot == std::string_view::npos) {
            // The id source is one of from/to, list or file: setting one
            // replaces the others, so --set ids.file=retry.tsv just works.
            if (table != &document && path.rfind("ids.", 0) == 0 && path.find('.', 4) == std::string::npos) {
                const bool range = key == "from" || key == "to";
                for (const char *other : {"from", "to", "list", "file"}) {
                    const bool same_kind = range && (std::string_view(other) == "from" ||
                                                     std::string_view(other) == "to");
                    if (key != other && !same_kind)
                        table->erase(other);
                }
            }
            toml::table parsed;
            try {
                parsed = toml::parse("v = " + value_text);
            } catch (const toml::parse_error &error) {
                // A bare word is a string; something that looks like TOML
                // but is not is a mistake worth saying.
                if (value_text.empty() || std::string_view("[{\"'").find(value_text[0]) !=
                                              std::string_view::npos)
                    throw config_error(fmt::format("--set {}: not a TOML value: {}", text,
                                                   error.description()));
                parsed = toml::table{{"v", value_text}};
            }
            table->insert_or_assign(key, std::move(*parsed.get("v")));
            return;
        }
        toml::node *next = table->get(key);
        if (!next)
            next = &table->insert_or_assign(key, toml::table{}).first->second;
        if (!next->is_table())
            throw config_error(fmt::format("--set {}: \"{}\" is not a table", text, key));
        table = next->as_table();
        rest.remove_prefix(dot + 1);
    }
}

std::string expand_url(const std::string &url_template, const std::string &id) {
    std::string url;
    url.reserve(url_template.size() + id.size());
    std::size_t from = 0;
    for (std::size_t at; (at = url_template.find("{id}", from)) != std::string::npos;
         from = at + 4) {
        url.append(url_template, from, at - from);
        url.append(id);
    }
    url.append(url_template, from, std::string::npos);
    return url;
}

job_spec parse_job_spec(std::string_view text, const fs::path &source_name,
                        const fs::path &working_dir, const std::vector<std::string> &overrides) {
    job_spec spec;
    spec.config_path = source_name;
    const fs::path config_dir = source_name.has_parent_path()
                                    ? fs::absolute(source_name).parent_path()
                                    : fs::absolute(working_dir);

    // Parse.
    std::shared_ptr<toml::table> document;
    try {
        const std::string name = source_name.string();
        document = std::make_shared<toml::table>(toml::parse(text, std::string_view(name)));
    } catch (const toml::parse_error &error) {
        const auto &where = error.source().begin;
        throw config_error(fmt::format("{}:{}:{}: invalid TOML: {}", source_name.string(),
                                       where.line, where.column, error.description()));
    }
    for (const std::string &override_text : overrides)
        apply_override(*document, override_text);
    spec.document = document;
    toml_reader root(document.get(), "", source_name);

    // [job]
    toml_reader job(root.subtable("job"), "job", source_name);
    if (auto deadline = job.number("deadline", 0, max_seconds); deadline && *deadline > 0)
        spec.deadline = seconds_d(*deadline);
    job.reject_unknown_keys();

    // [ids]
    const toml::table *ids_table = root.subtable("ids");
    if (!ids_table)
        root.fail("ids", "missing: the job needs [ids] with from/to, list or file");
    {
        toml_reader ids(ids_table, "ids", source_name);
        const auto first = ids.integer("from", INT64_MIN, INT64_MAX);
        const auto last = ids.integer("to", INT64_MIN, INT64_MAX);
        const auto file = ids.string("file");
        const toml::node *list = ids_table->get("list");
        ids.allow("list");
        ids.reject_unknown_keys();

        const int sources = (first || last ? 1 : 0) + (file ? 1 : 0) + (list ? 1 : 0);
        if (sources == 0)
            ids.fail("from", "missing: give from and to, list, or file");
        if (sources > 1)
            ids.fail(file ? "file" : "list", "give only one of from/to, list or file");

        if (file) {
            spec.ids.source = id_spec::kind::file;
            spec.ids.file = resolve(config_dir, *file);
            std::error_code error;
            if (!fs::is_regular_file(spec.ids.file, error))
                ids.fail("file", fmt::format("cannot read the id file {}: {}",
                                             spec.ids.file.string(),
                                             !fs::exists(spec.ids.file, error) ? "no such file"
                                             : fs::is_directory(spec.ids.file, error)
                                                 ? "it is a folder"
                                                 : "not a regular file"));
        } else if (list) {
            spec.ids.source = id_spec::kind::list;
            if (!list->is_array())
                ids.fail("list", fmt::format("expected an array of ids, saw {}",
                                             describe_toml_type(*list)));
            for (const toml::node &element : *list->as_array()) {
                if (!element.is_integer() && !element.is_string())
                    ids.fail("list", fmt::format("expected integers or strings, saw {}",
                                                 describe_toml_type(element)));
                std::string id = id_text(element);
                if (!is_valid_id(id))
                    ids.fail("list", fmt::format("\"{}\" is not a valid id (letters, digits, "
                                                 "- . _ ~ only)",
                                                 id));
                spec.ids.list.push_back(std::move(id));
            }
            if (spec.ids.list.empty())
                ids.fail("list", "must hold at least one id");
        } else {
            if (!first || !last)
                ids.fail(first ? "to" : "from", "missing: a range needs both from and to");
            if (*last < *first)
                ids.fail("to", fmt::format("must not be below from ({}), saw {}", *first, *last));
            // The count, to - from + 1, must fit in 64 bits.
            if (static_cast<std::uint64_t>(*last) - static_cast<std::uint64_t>(*first) ==
                UINT64_MAX)
                ids.fail("to", "the range holds more ids than can be counted (2^64); split it");
            spec.ids.first = *first;
            spec.ids.last = *last;
        }
    }

    // [request]
    const toml::table *request_table = root.subtable("request");
    if (!request_table)
        root.fail("request", "missing: the job needs [request] with url");
    {
        toml_reader request(request_table, "request", source_name);
        auto url = request.string("url");
        if (!url)
            request.fail("url", "missing: the URL template, e.g. \"http://host/item/{id}\"");
        if (url->find("{id}") == std::string::npos)
            request.fail("url", fmt::format("must contain {{id}}, saw \"{}\"", *url));
        if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
            request.fail("url", fmt::format("must start with http:// or https://, saw \"{}\"",
                                            *url));
        spec.request.url_template = *url;

        if (auto v = request.number("timeout", 0.001, max_seconds))
            spec.request.timeout = seconds_d(*v);
        if (auto v = request.number("connect_timeout", 0.001, max_seconds))
            spec.request.connect_timeout = seconds_d(*v);
        if (auto v = request.integer("max_body_bytes", 1, INT64_MAX))
            spec.request.max_body_bytes = static_cast<std::uint64_t>(*v);

        if (const toml::table *headers = request.subtable("headers")) {
            toml_reader header_reader(headers, "request.headers", source_name);
            for (const auto &[name, node] : *headers) {
                auto value = header_reader.string(name.str());
                value = expand_environment(*value, header_reader, name.str());
                if (name.str().empty() ||
                    name.str().find_first_of(" \t\r\n:") != std::string_view::npos)
                    header_reader.fail(name.str(), "is not a valid header name");
                if (value->find_first_of("\r\n") != std::string::npos)
                    header_reader.fail(name.str(), "must not contain a line break");
                spec.request.headers.push_back({std::string(name.str()), *value});
            }
        }
        request.reject_unknown_keys();
    }

    // [rate]
    {
        toml_reader rate(root.subtable("rate"), "rate", source_name);
        if (auto v = rate.number("requests_per_second", 0, 1e6))
            spec.rate.requests_per_second = *v;
        if (auto v = rate.number("burst", 1, 1e6))
            spec.rate.burst = *v;
        if (auto v = rate.number("max_pause", 0, max_seconds))
            spec.rate.max_pause = seconds_d(*v);
        if (auto v = rate.boolean("adaptive"))
            spec.rate.adaptive = *v;
        if (auto v = rate.string("state_file"); v && !v->empty())
            spec.rate.state_file = resolve(working_dir, *v);
        rate.reject_unknown_keys();
    }

    // [retry]
    {
        const toml::table *retry_table = root.subtable("retry");
        toml_reader retry(retry_table, "retry", source_name);
        if (auto v = retry.integer("max_retries", 0, 1000))
            spec.retry.max_retries = static_cast<int>(*v);
        if (auto v = retry.number("delay", 0, max_seconds))
            spec.retry.delay = seconds_d(*v);
        if (auto v = retry.string("backoff")) {
            if (*v == "fixed")
                spec.retry.backoff = backoff_kind::fixed;
            else if (*v == "exponential")
                spec.retry.backoff = backoff_kind::exponential;
            else
                retry.fail("backoff",
                           fmt::format("expected \"fixed\" or \"exponential\", saw \"{}\"", *v));
        }
        if (auto v = retry.number("multiplier", 1, 100))
            spec.retry.multiplier = *v;
        if (auto v = retry.number("max_delay", 0, max_seconds))
            spec.retry.max_delay = seconds_d(*v);
        if (auto v = retry.number("jitter", 0, 1))
            spec.retry.jitter = *v;
        if (auto v = retry.number("max_retry_after", 0, max_seconds))
            spec.retry.max_retry_after = seconds_d(*v);
        if (auto v = retry.integer("max_redirects", 0, 100))
            spec.retry.max_redirects = static_cast<int>(*v);
        if (auto v = retry.number("unreachable_after", 0, max_seconds))
            spec.retry.unreachable_after = seconds_d(*v);
        if (retry_table) {
            if (const toml::node *list = retry_table->get("retry_on")) {
                const toml::array *codes = list->as_array();
                if (!codes)
                    retry.fail("retry_on", fmt::format("expected an array of HTTP statuses, saw {}",
                                                       describe_toml_type(*list)));
                for (const toml::node &code : *codes) {
                    const auto *value = code.as_integer();
                    if (!value || value->get() < 100 || value->get() > 599)
                        retry.fail("retry_on", "expected HTTP statuses from 100 to 599");
                    spec.retry.retry_on.push_back(static_cast<int>(value->get()));
                }
            }
        }
        retry.allow("retry_on");
        if (spec.retry.max_delay < spec.retry.delay)
            retry.fail("max_delay", fmt::format("must not be below delay ({} s)",
                                                spec.retry.delay.count()));
        retry.reject_unknown_keys();
    }

    // [transport] and [sink]: a plugin name, plus one table per plugin name
    // so that switching plugins means editing one line.
    auto read_plugin = [&](std::string_view table_name, std::initializer_list<const char *> own,
                           plugin_choice &choice) -> toml_reader {
        const toml::table *table = root.subtable(table_name);
        if (!table)
            root.fail(table_name, fmt::format("missing: the job needs [{}] with plugin",
                                              table_name));
        toml_reader reader(table, std::string(table_name), source_name);
        auto name = reader.string("plugin");
        if (!name || name->empty())
            reader.fail("plugin", "missing: the plugin's name, e.g. plugin = \"...\"");
        choice.name = *name;
        choice.location = reader.where("plugin");
        choice.options_key = fmt::format("{}.{}", table_name, *name);
        for (const auto &[key, node] : *table) {
            if (node.is_table())
                reader.allow(key.str());
        }
        for (const char *key : own)
            reader.allow(key);
        if (const toml::node *options = table->get(*name))
            choice.options = options->as_table();
        return reader;
    };

    read_plugin("transport", {}, spec.transport).reject_unknown_keys();

    {
        toml_reader sink = read_plugin("sink", {}, spec.sink.plugin);
        auto output = sink.string("output");
        if (!output || output->empty())
            sink.fail("output", "missing: the output path, e.g. output = \"orders.csv\"");
        spec.sink.output = resolve(working_dir, *output);
        spec.sink.failed_output = spec.sink.output.string() + ".failed.tsv";
        spec.sink.journal = spec.sink.output.string() + ".journal";
        if (auto v = sink.string("failed_output"); v && !v->empty())
            spec.sink.failed_output = resolve(working_dir, *v);
        if (auto v = sink.string("journal"); v && !v->empty())
            spec.sink.journal = resolve(working_dir, *v);
        if (auto v = sink.integer("reorder_window", 1, 10'000'000))
            spec.sink.reorder_window = static_cast<std::size_t>(*v);
        if (auto v = sink.integer("checkpoint_every", 1, 10'000'000))
            spec.sink.checkpoint_every = static_cast<std::size_t>(*v);
        if (auto v = sink.number("checkpoint_interval", 0.01, max_seconds))
            spec.sink.checkpoint_interval = seconds_d(*v);
        if (auto v = sink.number("checkpoint_min_interval", 0.0, max_seconds))
            spec.sink.checkpoint_min_interval = seconds_d(*v);
        sink.reject_unknown_keys();

        if (spec.sink.failed_output == spec.sink.output || spec.sink.journal == spec.sink.output ||
            spec.sink.journal == spec.sink.failed_output)
            sink.fail("output", "output, failed_output and journal must be three different files");
    }

    // [plugins]
    {
        toml_reader plugins(root.subtable("plugins"), "plugins", source_name);
        if (auto paths = plugins.string_array("path")) {
            for (const std::string &path : *paths)
                spec.plugin_path.push_back(resolve(config_dir, path));
        }
        plugins.reject_unknown_keys();
    }

    root.reject_unknown_keys();
    return spec;
}

job_spec load_job_spec(const fs::path &path, const fs::path &working_dir,
                       const std::vector<std::string> &overrides) {
    std::FILE *file = std::fopen(path.c_str(), "rb");
    if (!file)
        throw config_error(fmt::format("{}: cannot read the config file: {}", path.string(),
                                       std::strerror(errno)));
    std::string text;
    char buffer[8192];
    for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, file)) > 0;)
        text.append(buffer, got);
    const bool failed = std::ferror(file) != 0;
    std::fclose(file);
    if (failed)
        throw config_error(fmt::format("{}: cannot read the config file", path.string()));
    return parse_job_spec(text, path, working_dir, overrides);
}

} // namespace fetchctl
