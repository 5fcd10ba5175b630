//! Scaling laws of the maximum power (Appendix B of 004_5856515c11cfbeb7.txt).
