//! Compressed sparse row (CSR) complex operators and their products with dense matrices.
