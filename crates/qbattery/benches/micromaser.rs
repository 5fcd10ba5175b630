//! Micromaser benchmarks (paper 001): one collision at N_c = 120 and 150, 10⁵ collisions at
//! N_c = 150, and the loss of Eq. (11) with its exact gradient for n = 1000 at N_c = 120.
//! Run: `cargo bench -p qbattery --bench micromaser`.

use qbattery::dynamics::ladder::{GaugedState, LadderCollision};
use qbattery::models::micromaser::{LossParams, StreamLoss};
use qbattery::optimize::Objective;

fn main() {
    divan::main();
}

/// A state after 2000 collisions of Sec. III A's λ = 10 qubits (dense coherences).
fn charged(lc: &LadderCollision) -> GaugedState {
    let d = lc.levels();
    let (q, c) = (0.168, 0.390);
    let x = c * (q * (1.0f64 - q)).sqrt();
    let mut r = GaugedState::fock(d, 0).unwrap();
    let mut next = GaugedState::zeros(d);
    for _ in 0..2000 {
        lc.apply(&r, q, x, &mut next);
        std::mem::swap(&mut r, &mut next);
    }
    r
}

#[divan::bench(args = [120, 150])]
fn one_collision(bencher: divan::Bencher, levels: usize) {
    let lc =
        LadderCollision::jaynes_cummings(levels, std::f64::consts::PI / 15.6f64.sqrt()).unwrap();
    let r = charged(&lc);
    let mut out = GaugedState::zeros(levels);
    bencher.bench_local(|| lc.apply(divan::black_box(&r), 0.168, 0.15, &mut out));
}

#[divan::bench(sample_count = 5)]
fn collisions_1e5_at_150() {
    let lc = LadderCollision::jaynes_cummings(150, std::f64::consts::PI / 15.6f64.sqrt()).unwrap();
    let (q, c) = (0.168, 0.390);
    let x = c * (q * (1.0f64 - q)).sqrt();
    let mut r = GaugedState::fock(150, 0).unwrap();
    let mut next = GaugedState::zeros(150);
    for _ in 0..100_000 {
        lc.apply(&r, q, x, &mut next);
        std::mem::swap(&mut r, &mut next);
    }
    divan::black_box(r);
}

#[divan::bench(sample_count = 10)]
fn loss_and_gradient_n1000_at_120(bencher: divan::Bencher) {
    let loss = StreamLoss::new(LossParams::default()).unwrap();
    let mut g = vec![0.0; 2];
    bencher.bench_local(|| {
        loss.value_and_gradient(divan::black_box(&[0.39, 0.168]), &mut g)
            .unwrap()
    });
}
