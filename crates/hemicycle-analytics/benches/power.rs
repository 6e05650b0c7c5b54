//! Banzhaf and Shapley–Shubik on the two games: 650 equal players (majority
//! quota 326) and 150 players with weights 1–50 (a fixed pseudo-random draw, quota
//! half the total plus one). `benches/compare/powerindex_compare.py` runs the same
//! games through the Python package `powerindex`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hemicycle_analytics::power::{banzhaf, shapley_shubik, WeightedGame};

/// The 150 weights in 1..=50, the same draw as the Python script makes
/// (weight = 1 + (37·i + 11 + i²) mod 50: deterministic, no generator).
fn weights_150() -> Vec<u64> {
    (0..150u64)
        .map(|i| 1 + (37 * i + 11 + i * i) % 50)
        .collect()
}

fn games() -> Vec<(&'static str, WeightedGame)> {
    let weights = weights_150();
    let total: u64 = weights.iter().sum();
    vec![
        (
            "650 equal players",
            WeightedGame::new(326, vec![1; 650]).unwrap(),
        ),
        (
            "150 players, weights 1-50",
            WeightedGame::new(total / 2 + 1, weights).unwrap(),
        ),
    ]
}

fn power(criterion: &mut Criterion) {
    for (name, game) in games() {
        criterion.bench_function(&format!("banzhaf/{name}"), |bench| {
            bench.iter(|| banzhaf(black_box(&game)))
        });
        criterion.bench_function(&format!("shapley_shubik/{name}"), |bench| {
            bench.iter(|| shapley_shubik(black_box(&game)).unwrap())
        });
    }
}

criterion_group!(benches, power);
criterion_main!(benches);
