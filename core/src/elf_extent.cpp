// elf_extent: see elf_extent.hpp.
#include "elf_extent.hpp"

#include <elf.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/format.h>

namespace fetchctl {
namespace {

/// How far into the file the headers and loadable segments reach, for one
/// ELF class (Ehdr/Phdr are Elf64_* or Elf32_*). 0 when the headers
/// themselves cannot be read.
template <typename Ehdr, typename Phdr>
std::uint64_t needed_size(std::ifstream &in, std::uint64_t file_size) {
    Ehdr header{};
    in.seekg(0);
    if (!in.read(reinterpret_cast<char *>(&header), sizeof header))
        return sizeof header;
    std::uint64_t needed = sizeof header;
    const std::uint64_t sections =
        static_cast<std::uint64_t>(header.e_shoff) +
        static_cast<std::uint64_t>(header.e_shnum) * header.e_shentsize;
    needed = std::max(needed, sections);
    const std::uint64_t programs = static_cast<std::uint64_t>(header.e_phoff) +
                                   static_cast<std::uint64_t>(header.e_phnum) * header.e_phentsize;
    needed = std::max(needed, programs);
    if (programs > file_size || header.e_phentsize < sizeof(Phdr))
        return needed;
    for (unsigned i = 0; i < header.e_phnum; ++i) {
        Phdr segment{};
        in.seekg(static_cast<std::streamoff>(header.e_phoff + std::uint64_t{i} * header.e_phentsize));
        if (!in.read(reinterpret_cast<char *>(&segment), sizeof segment))
            return std::max<std::uint64_t>(needed, file_size + 1);
        if (segment.p_type == PT_LOAD)
            needed = std::max(needed, static_cast<std::uint64_t>(segment.p_offset) +
                                          static_cast<std::uint64_t>(segment.p_filesz));
    }
    return needed;
}

} // namespace

std::string elf_extent_problem(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char ident[EI_NIDENT] = {};
    if (!in || !in.read(reinterpret_cast<char *>(ident), sizeof ident) ||
        std::memcmp(ident, ELFMAG, SELFMAG) != 0)
        return {};
    std::error_code error;
    const std::uint64_t size = std::filesystem::file_size(path, error);
    if (error)
        return {};

    std::uint64_t needed = 0;
    if (ident[EI_CLASS] == ELFCLASS64)
        needed = needed_size<Elf64_Ehdr, Elf64_Phdr>(in, size);
    else if (ident[EI_CLASS] == ELFCLASS32)
        needed = needed_size<Elf32_Ehdr, Elf32_Phdr>(in, size);
    else
        return {};
    if (needed <= size)
        return {};
    return fmt::format("the file is {} bytes but its ELF headers need {} (cut short?)", size,
                       needed);
}

} // namespace fetchctl
