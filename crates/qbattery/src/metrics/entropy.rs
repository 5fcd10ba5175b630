//! Purity and von Neumann entropy (base 2).
