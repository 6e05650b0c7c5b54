//! Ideal points for 500 members × 5,000 divisions (2.5 million votes, none missing),
//! simulated from the model with seed 1. `benches/compare/emirt_numpy.py` runs a
//! straightforward NumPy version of the same EM on the same kind of data.

use criterion::{criterion_group, criterion_main, Criterion};
use hemicycle_analytics::ideal_points::{correlation, ideal_points, simulate, IdealPointOptions};

fn estimate(criterion: &mut Criterion) {
    let (matrix, truth) = simulate(500, 5_000, 0.0, 1).unwrap();
    let options = IdealPointOptions::default();
    let result = ideal_points(&matrix, &options).unwrap();
    let estimated: Vec<f64> = result
        .members
        .iter()
        .map(|member| member.position)
        .collect();
    eprintln!(
        "500 x 5000: {} iterations, converged {}, correlation with the truth {:.4}",
        result.iterations,
        result.converged,
        correlation(&estimated, &truth).unwrap_or(0.0).abs()
    );
    let mut group = criterion.benchmark_group("ideal_points");
    group.sample_size(10);
    group.bench_function("500 members x 5000 divisions", |bench| {
        bench.iter(|| ideal_points(&matrix, &options).unwrap())
    });
    group.finish();
}

criterion_group!(benches, estimate);
criterion_main!(benches);
