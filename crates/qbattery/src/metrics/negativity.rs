//! Logarithmic negativity (base 2) for any bipartition.
