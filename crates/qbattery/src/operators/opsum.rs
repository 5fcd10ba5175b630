//! Sums of products of local operators, built as sparse matrices on a space or a sector.
