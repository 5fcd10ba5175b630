//! Two-qubit entropic steering from joint outcome probabilities.
