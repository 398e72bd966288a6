// CheckFasta: the records of a FASTA file, checked before htslib indexes it
// (faidx warns about a repeated name and silently drops the second record,
// and indexes anything as sequence). Plain, gzip or BGZF (TextReader).
#pragma once

#include <string>

namespace getps {

// Reads `fasta` once: every record has a header naming it (">name ..."),
// no name appears twice, no record is empty, and sequence lines hold only
// IUPAC DNA letters (ACGTUN RYSWKM BDHV, either case). Throws
// Error(kInvalidArgument) naming the file, the line and the record;
// Error(kCorruption) for a damaged compressed stream.
void CheckFasta(const std::string& fasta);

}  // namespace getps
