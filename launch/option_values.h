// Typed values of options several subcommands share, each parsed in one
// place with one error message, and the output file most commands write.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "featurizer/accessibility.h"
#include "launch/command_line.h"
#include "storage/batch_assembler.h"
#include "storage/store_metadata.h"

namespace getps::cli {

// "quantitative" | "binary" (--atac), "float16" | "float32" (--dtype),
// "fragments" | "insertions" (--count). Throw Error(kInvalidArgument)
// naming the option and the allowed values.
AtacMode ParseAtacMode(const std::string& text);
MotifDtype ParseMotifDtype(const std::string& text);
CountMode ParseCountMode(const std::string& text);
// The word of a count mode (for --help's defaults; MotifDtypeName is the
// store's, storage/store_metadata.h).
const char* CountModeName(CountMode mode);

// The ranges of the motif options (featurizer/motif_options.h: --pvalue,
// --pseudocount, --threads), for commands that add those options.
void AddMotifOptionRanges(CommandSpec& spec);

// Standard output for "-", else the file `path` opened for writing (closed
// when the pointer goes). Throws Error(kIOError) when it cannot be opened.
using OutputFile = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;
OutputFile OpenOutput(const std::string& path);

}  // namespace getps::cli
