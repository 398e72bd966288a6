// CheckFasta: the records of a FASTA file, checked before htslib indexes it
// (faidx warns about a repeated name and silently drops the second record,
// and indexes anything as sequence). Plain, gzip or BGZF (TextReader).
#pragma once

#include <string>

namespace getps {

// Reads `fasta` once: every record has a header naming it (">name ..."),
// no name appears twice, no record is empty, its sequence lines are
// contiguous (no blank line inside) and all as wide as its first but the
// last, which may be shorter (what htslib's index needs), and they hold only
// IUPAC DNA letters (ACGTUN RYSWKM BDHV, either case). Throws
// Error(kInvalidArgument) naming the file, the line and the record;
// Error(kCorruption) for a damaged compressed stream.
void CheckFasta(const std::string& fasta);

// Reads the faidx index `fai` that describes `fasta` (name, length, offset,
// bases per line, bytes per line): every record of positive length has a
// positive line width no wider than its line in bytes. htslib trusts the
// index and divides by that width on every fetch, so a damaged or foreign
// index would crash it. Throws Error(kCorruption) naming the index, its line
// and the FASTA, with the fix (delete the index; it is rebuilt).
void CheckFastaIndex(const std::string& fai, const std::string& fasta);

}  // namespace getps
