#pragma once
// The files a reader's `path` names: one file, or a glob pattern with `*` or `?` in the file
// name (not in the folders), expanded in sorted order.
#include <filesystem>
#include <vector>

namespace mirflow::io {

// True when the file name part of `path` holds a wildcard (`*` or `?`).
bool has_wildcard(const std::filesystem::path& path);

// The readable files `path` names, sorted. Throws InputError naming the path when the file
// is missing or unreadable, when a pattern matches nothing, or when a folder holds a wildcard.
// Hidden files (leading '.') match only a pattern that starts with '.', as in a shell, so a
// writer's temporaries are never picked up.
std::vector<std::filesystem::path> input_files(const std::filesystem::path& path);

}  // namespace mirflow::io
