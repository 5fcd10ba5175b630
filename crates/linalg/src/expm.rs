//! Matrix exponential by scaling and squaring with a Padé approximant.
