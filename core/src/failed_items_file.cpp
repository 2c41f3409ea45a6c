// failed_items_file.cpp: see failed_items_file.hpp.
#include "failed_items_file.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace fetchctl {
namespace {

std::runtime_error io_error(const std::filesystem::path &path, const char *what) {
    return std::runtime_error(fmt::format("{}: cannot {} the failed-items file: {}",
                                          path.string(), what, std::strerror(errno)));
}

// Tabs and line breaks would split a record; reasons are for people.
std::string one_field(const std::string &text) {
    std::string field = text;
    for (char &c : field) {
        if (c == '\t' || c == '\n' || c == '\r')
            c = ' ';
    }
    return field;
}

} // namespace

failed_items_file::failed_items_file(const std::filesystem::path &path,
                                     const std::uint64_t *resume_at)
    : path_(path) {
    if (resume_at) {
        std::error_code error;
        const auto size = std::filesystem::file_size(path, error);
        if (error || size < *resume_at)
            throw std::runtime_error(fmt::format(
                "{}: the failed-items file is shorter than the journal says ({} bytes); "
                "start over with --fresh",
                path.string(), *resume_at));
        if (::truncate(path.c_str(), static_cast<off_t>(*resume_at)) != 0)
            throw io_error(path, "truncate");
        file_ = std::fopen(path.c_str(), "ab");
        if (!file_)
            throw io_error(path, "open");
        return;
    }

    file_ = std::fopen(path.c_str(), "wb");
    if (!file_)
        throw io_error(path, "create");
    std::fprintf(file_, "%s: id\tlast_status\treason\n", header_start);
}

failed_items_file::~failed_items_file() {
    if (file_)
        std::fclose(file_);
}

void failed_items_file::add(const std::string &id, const std::string &status,
                            const std::string &reason) {
    const std::string line =
        fmt::format("{}\t{}\t{}\n", one_field(id), one_field(status), one_field(reason));
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size())
        throw io_error(path_, "write");
    dirty_ = true;
}

std::uint64_t failed_items_file::flush() {
    // Most checkpoints add no failed item: their fsync would cost a disk
    // flush for nothing.
    if (dirty_ && (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0))
        throw io_error(path_, "write");
    dirty_ = false;
    // fstat, not ftell: an append-mode stream's position is unreliable
    // until its first write.
    struct stat info {};
    if (::fstat(fileno(file_), &info) != 0)
        throw io_error(path_, "measure");
    return static_cast<std::uint64_t>(info.st_size);
}

} // namespace fetchctl
