//! Adaptive explicit Runge–Kutta 5(4) integration with dense output at requested times.
