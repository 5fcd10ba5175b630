//! Partial trace and partial transpose over any set of subsystems of a tensor product.
