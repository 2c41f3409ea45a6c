// sink_client.cpp: see sink_client.hpp.
#include "sink_client.hpp"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "plugin_host.hpp"
#include "plugin_loader.hpp"

namespace fetchctl {

sink_client::sink_client(std::shared_ptr<const loaded_plugin> plugin, plugin_host &host,
                         const std::string &output,
                         const std::optional<std::string> &resume_checkpoint)
    : plugin_(std::move(plugin)), table_(plugin_->descriptor().sink), host_(host) {
    fc_sink_open_v1 open{};
    open.struct_size = sizeof open;
    open.output = output.c_str();
    open.resume_checkpoint = resume_checkpoint ? resume_checkpoint->c_str() : nullptr;

    const int32_t status = table_->create(host.abi(), &open, &instance_);
    const bool created = status == FC_OK && instance_ != nullptr;
    host.check_after_create(created, [this] { table_->destroy(instance_); });
    if (!created)
        throw std::runtime_error(fmt::format("sink \"{}\" could not open {} (see the log)",
                                             plugin_->name(), output));
}

sink_client::~sink_client() {
    if (instance_)
        table_->destroy(instance_);
}

std::string sink_client::name() const {
    return plugin_->name();
}

sink_client::write_result sink_client::write(const fc_record_v1 &record) {
    host_.take_last_problem(); // only what this write logs counts
    switch (table_->write(instance_, &record)) {
    case FC_OK: return write_result::written;
    case FC_REJECTED: return write_result::rejected;
    default: return write_result::failed;
    }
}

std::string sink_client::rejection_reason() {
    std::string logged = host_.take_last_problem();
    if (logged.empty())
        return fmt::format("rejected by sink \"{}\"", plugin_->name());
    return fmt::format("rejected by sink \"{}\": {}", plugin_->name(), logged);
}

std::optional<std::string> sink_client::flush() {
    // A NUL at the very end guards against a plugin that fills the buffer.
    char checkpoint[FC_CHECKPOINT_MAX + 1] = {};
    if (table_->flush(instance_, checkpoint) != FC_OK)
        return std::nullopt;
    checkpoint[FC_CHECKPOINT_MAX] = '\0';
    std::string token(checkpoint);
    if (token.find_first_of("\r\n") != std::string::npos)
        return std::nullopt; // the journal stores one token per line
    return token;
}

} // namespace fetchctl
