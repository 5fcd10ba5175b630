//! Populations in an operator's eigenbasis and Fock populations.
