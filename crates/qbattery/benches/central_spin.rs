//! Benchmarks of the central-spin battery (004_5856515c11cfbeb7.txt): one large point
//! (N_B = 1000, N = 10 000, the target) and the small blocks of the paper's figures.
//! Run: `cargo bench -p qbattery --bench central_spin`.

use qbattery::models::central_spin::{CentralSpin, Charging, InitialState};

fn main() {
    divan::main();
}

fn resonant(n_b: u32, n: u32) -> CentralSpin {
    CentralSpin {
        n_b,
        n,
        b: 1.0,
        h: 1.0,
        a: 1.0,
        delta: 0.0,
    }
}

/// Build + diagonalize the block, then the certified P_max, from |0, k⟩.
#[divan::bench(args = [(10, 100, 100), (40, 200, 200), (100, 300, 100), (1000, 10_000, 10_000)], sample_count = 5)]
fn max_power(args: (u32, u32, u32)) -> f64 {
    let (n_b, n, k) = args;
    let ch = Charging::new(&resonant(n_b, n), &InitialState::dicke(0, k)).expect("valid model");
    ch.max_power().value
}

/// Block construction and eigen-decomposition alone.
#[divan::bench(args = [(40, 200, 200), (1000, 10_000, 10_000)], sample_count = 5)]
fn block_eigen(args: (u32, u32, u32)) -> usize {
    let (n_b, n, k) = args;
    let ch = Charging::new(&resonant(n_b, n), &InitialState::dicke(0, k)).expect("valid model");
    ch.blocks().1
}
