//! Symmetry sectors: conserved diagonal charges (U(1), Z2) that split a space into blocks.
