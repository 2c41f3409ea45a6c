// elf_extent: checks that a shared library file is as long as its own ELF
// headers say, before it is handed to the dynamic loader.
//
// dlopen() maps a library's segments straight from the file; a file cut
// short (a half-finished copy into the plugin folder) maps pages past its
// end, and the first touch of one kills the process with SIGBUS instead of
// failing the load. Reading the ELF and program headers is enough to see
// it coming. Anything that is not a 64- or 32-bit ELF file is left to the
// loader, which refuses it with a message of its own.
#pragma once

#include <filesystem>
#include <string>

namespace fetchctl {

/// "" when `path` is not an ELF file, or is one whose headers and loadable
/// segments all lie within the file; otherwise what is missing, e.g. "the
/// file is 5000 bytes but its segments need 16384 (cut short?)".
std::string elf_extent_problem(const std::filesystem::path &path);

} // namespace fetchctl
