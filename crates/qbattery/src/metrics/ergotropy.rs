//! Ergotropy, passive energy and their normalised forms.
