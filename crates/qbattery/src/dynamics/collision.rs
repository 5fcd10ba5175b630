//! Collision (repeated-interaction) maps as sparse Kraus maps.
