//! One-dimensional ideal points by expectation–maximisation: the binary item-response
//! model of Imai, Lo and Olmsted ("Fast estimation of ideal points with massive data",
//! APSR 2016), the algorithm of their `emIRT` package's `binIRT`.
//!
//! Model: member i votes yea on division j when y*ᵢⱼ = αⱼ + βⱼ·xᵢ + εᵢⱼ > 0, with
//! ε ~ N(0, 1), priors xᵢ ~ N(0, 1) and (αⱼ, βⱼ) ~ N(0, 25·I). Each iteration:
//!
//! - E-step: the expected latent utility given the vote, the mean of a truncated
//!   normal: m + λ(m) for a yea, m − λ(−m) for a nay, with m = αⱼ + βⱼ·xᵢ and λ the
//!   inverse Mills ratio. Missing votes carry no information and are skipped.
//! - M-step for each division: (αⱼ, βⱼ) = (X̃ᵀX̃ + I/25)⁻¹ X̃ᵀ y*ⱼ over its voters
//!   (X̃ rows are (1, xᵢ)) — a 2×2 solve.
//! - M-step for each member: xᵢ = Σⱼ βⱼ(y*ᵢⱼ − αⱼ) / (1 + Σⱼ βⱼ²) over their votes.
//!
//! It stops when 1 − correlation(old, new) < tolerance (1e-6) for the member
//! positions, the α and the β at once, as `emIRT` does. Starting values are the first
//! principal component of the division-centred ±1 vote matrix, so the result does not
//! depend on a random seed. The direction of the scale is arbitrary in the model; it
//! is fixed afterwards so that the reference member's position is positive.
//!
//! A member with no votes keeps the prior mean 0 (and is marked); a division with no
//! votes keeps α = β = 0. The work is split across the available cores by rayon.

use rayon::prelude::*;
use serde::Serialize;

use crate::error::AnalyticsError;
use crate::normal::fast_inverse_mills;
use crate::votes::VoteMatrix;

/// Prior variance of α and β.
const ITEM_PRIOR_VARIANCE: f64 = 25.0;
/// Power-iteration steps for the starting values.
const START_ITERATIONS: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub struct IdealPointOptions {
    /// The member whose position is made positive; default: the first member.
    pub reference: Option<String>,
    /// Stop when 1 − correlation(old, new) is below this for x, α and β.
    pub tolerance: f64,
    /// Give up (and say so) after this many iterations.
    pub max_iterations: usize,
}

impl Default for IdealPointOptions {
    fn default() -> Self {
        Self {
            reference: None,
            tolerance: 1e-6,
            max_iterations: 5_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberPosition {
    pub member: String,
    pub group: Option<String>,
    pub position: f64,
    pub votes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DivisionParameters {
    pub division: String,
    /// α: the division's baseline propensity to vote yea.
    pub difficulty: f64,
    /// β: how strongly the position drives the vote.
    pub discrimination: f64,
    pub votes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdealPoints {
    pub members: Vec<MemberPosition>,
    pub divisions: Vec<DivisionParameters>,
    pub reference: String,
    pub iterations: usize,
    pub converged: bool,
    /// The largest 1 − correlation over x, α and β at the last iteration.
    pub last_change: f64,
}

pub fn ideal_points(
    matrix: &VoteMatrix,
    options: &IdealPointOptions,
) -> Result<IdealPoints, AnalyticsError> {
    let members = matrix.members().len();
    let divisions = matrix.divisions().len();
    if matrix.vote_count() == 0 {
        return Err(AnalyticsError::EmptyVotes(
            "no yea or nay votes to estimate positions from".into(),
        ));
    }
    let reference = match &options.reference {
        Some(name) => matrix
            .members()
            .iter()
            .position(|member| member == name)
            .ok_or_else(|| AnalyticsError::NoMember(name.clone()))?,
        None => 0,
    };
    let tolerance = if options.tolerance.is_finite() && options.tolerance > 0.0 {
        options.tolerance
    } else {
        1e-6
    };
    let mut positions = starting_positions(matrix);
    let mut alpha = vec![0.0f64; divisions];
    let mut beta = vec![0.0f64; divisions];
    let mut latent = vec![0.0f64; matrix.vote_count()];
    let mut iterations = 0;
    let mut converged = false;
    let mut last_change = f64::INFINITY;
    while iterations < options.max_iterations {
        iterations += 1;
        let (new_alpha, new_beta) =
            expectation_and_items(matrix, &positions, &alpha, &beta, &mut latent);
        let new_positions = member_step(matrix, &new_alpha, &new_beta, &latent, members);
        last_change = [
            one_minus_correlation(&positions, &new_positions),
            one_minus_correlation(&alpha, &new_alpha),
            one_minus_correlation(&beta, &new_beta),
        ]
        .into_iter()
        .fold(0.0, f64::max);
        positions = new_positions;
        alpha = new_alpha;
        beta = new_beta;
        if last_change < tolerance {
            converged = true;
            break;
        }
    }
    // The model cannot tell left from right; the reference member says which is which.
    if positions[reference] < 0.0 {
        positions.iter_mut().for_each(|x| *x = -*x);
        beta.iter_mut().for_each(|b| *b = -*b);
    }
    let mut votes_per_member = vec![0u32; members];
    for voter in matrix.voters() {
        votes_per_member[*voter as usize] += 1;
    }
    Ok(IdealPoints {
        members: matrix
            .members()
            .iter()
            .zip(matrix.groups())
            .zip(&positions)
            .zip(&votes_per_member)
            .map(|(((member, group), position), votes)| MemberPosition {
                member: member.clone(),
                group: group.clone(),
                position: *position,
                votes: *votes,
            })
            .collect(),
        divisions: matrix
            .divisions()
            .iter()
            .enumerate()
            .map(|(index, division)| DivisionParameters {
                division: division.clone(),
                difficulty: alpha[index],
                discrimination: beta[index],
                votes: u32::try_from(matrix.starts()[index + 1] - matrix.starts()[index])
                    .unwrap_or(u32::MAX),
            })
            .collect(),
        reference: matrix.members()[reference].clone(),
        iterations,
        converged,
        last_change,
    })
}

/// E-step and the divisions' M-step, division by division in parallel; fills `latent`
/// with E[y*] and returns the new (α, β).
fn expectation_and_items(
    matrix: &VoteMatrix,
    positions: &[f64],
    alpha: &[f64],
    beta: &[f64],
    latent: &mut [f64],
) -> (Vec<f64>, Vec<f64>) {
    let starts = matrix.starts();
    let mut slices: Vec<&mut [f64]> = Vec::with_capacity(alpha.len());
    let mut rest = latent;
    for division in 0..alpha.len() {
        let (head, tail) = rest.split_at_mut(starts[division + 1] - starts[division]);
        slices.push(head);
        rest = tail;
    }
    let precision = 1.0 / ITEM_PRIOR_VARIANCE;
    slices
        .into_par_iter()
        .enumerate()
        .with_min_len(16)
        .map(|(division, slice)| {
            let range = starts[division]..starts[division + 1];
            let voters = &matrix.voters()[range.clone()];
            let yeas = &matrix.yeas()[range];
            let (a, b) = (alpha[division], beta[division]);
            let (mut count, mut sum_x, mut sum_xx, mut sum_y, mut sum_xy) =
                (0.0, 0.0, 0.0, 0.0, 0.0);
            for ((voter, yea), out) in voters.iter().zip(yeas).zip(slice.iter_mut()) {
                let x = positions[*voter as usize];
                let mean = a + b * x;
                let expected = if *yea {
                    mean + fast_inverse_mills(mean)
                } else {
                    mean - fast_inverse_mills(-mean)
                };
                *out = expected;
                count += 1.0;
                sum_x += x;
                sum_xx += x * x;
                sum_y += expected;
                sum_xy += x * expected;
            }
            // (X̃ᵀX̃ + I/25)⁻¹ X̃ᵀy*: the determinant is at least (1/25)² > 0.
            let (p, q, r) = (count + precision, sum_x, sum_xx + precision);
            let determinant = p * r - q * q;
            if determinant > 0.0 && determinant.is_finite() {
                (
                    (r * sum_y - q * sum_xy) / determinant,
                    (p * sum_xy - q * sum_y) / determinant,
                )
            } else {
                (0.0, 0.0)
            }
        })
        .unzip()
}

/// The members' M-step: per-thread sums over divisions, then added together.
fn member_step(
    matrix: &VoteMatrix,
    alpha: &[f64],
    beta: &[f64],
    latent: &[f64],
    members: usize,
) -> Vec<f64> {
    let starts = matrix.starts();
    let voters = matrix.voters();
    let (numerators, denominators) = (0..alpha.len())
        .into_par_iter()
        .with_min_len(64)
        .fold(
            || (vec![0.0f64; members], vec![0.0f64; members]),
            |(mut numerators, mut denominators), division| {
                let (a, b) = (alpha[division], beta[division]);
                for index in starts[division]..starts[division + 1] {
                    let voter = voters[index] as usize;
                    numerators[voter] += b * (latent[index] - a);
                    denominators[voter] += b * b;
                }
                (numerators, denominators)
            },
        )
        .reduce(
            || (vec![0.0f64; members], vec![0.0f64; members]),
            |(mut numerators, mut denominators), (other_numerators, other_denominators)| {
                numerators
                    .iter_mut()
                    .zip(&other_numerators)
                    .for_each(|(a, b)| *a += b);
                denominators
                    .iter_mut()
                    .zip(&other_denominators)
                    .for_each(|(a, b)| *a += b);
                (numerators, denominators)
            },
        );
    // The prior N(0, 1) adds 1 to every denominator: never a division by zero.
    numerators
        .iter()
        .zip(&denominators)
        .map(|(numerator, denominator)| numerator / (1.0 + denominator))
        .collect()
}

/// First principal component of the ±1 matrix centred by division, standardised.
fn starting_positions(matrix: &VoteMatrix) -> Vec<f64> {
    let members = matrix.members().len();
    let divisions = matrix.divisions().len();
    let starts = matrix.starts();
    let mut centred = vec![0.0f64; matrix.vote_count()];
    for division in 0..divisions {
        let range = starts[division]..starts[division + 1];
        let yeas = &matrix.yeas()[range.clone()];
        if yeas.is_empty() {
            continue;
        }
        let mean = yeas
            .iter()
            .map(|yea| if *yea { 1.0 } else { -1.0 })
            .sum::<f64>()
            / yeas.len() as f64;
        for (out, yea) in centred[range].iter_mut().zip(yeas) {
            *out = if *yea { 1.0 } else { -1.0 } - mean;
        }
    }
    // A fixed, uneven start so that no symmetry of the data can trap the iteration.
    let mut vector: Vec<f64> = (0..members)
        .map(|i| 1.0 + ((i * 7919) % 101) as f64 / 101.0)
        .collect();
    for _ in 0..START_ITERATIONS {
        // v ← Mᵀ(M v), normalised.
        let scores: Vec<f64> = (0..divisions)
            .into_par_iter()
            .with_min_len(64)
            .map(|division| {
                (starts[division]..starts[division + 1])
                    .map(|index| centred[index] * vector[matrix.voters()[index] as usize])
                    .sum()
            })
            .collect();
        let mut next = vec![0.0f64; members];
        for division in 0..divisions {
            for index in starts[division]..starts[division + 1] {
                next[matrix.voters()[index] as usize] += centred[index] * scores[division];
            }
        }
        let norm = next.iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            break;
        }
        vector = next.into_iter().map(|v| v / norm).collect();
    }
    standardise(vector)
}

fn standardise(values: Vec<f64>) -> Vec<f64> {
    let count = values.len() as f64;
    let mean = values.iter().sum::<f64>() / count;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / count;
    if variance > 0.0 && variance.is_finite() {
        let deviation = variance.sqrt();
        values.into_iter().map(|v| (v - mean) / deviation).collect()
    } else {
        vec![0.0; values.len()]
    }
}

/// Pearson correlation; `None` when either side does not vary.
pub fn correlation(a: &[f64], b: &[f64]) -> Option<f64> {
    let count = a.len().min(b.len());
    if count < 2 {
        return None;
    }
    let mean_a = a[..count].iter().sum::<f64>() / count as f64;
    let mean_b = b[..count].iter().sum::<f64>() / count as f64;
    let (mut covariance, mut variance_a, mut variance_b) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        covariance += (x - mean_a) * (y - mean_b);
        variance_a += (x - mean_a).powi(2);
        variance_b += (y - mean_b).powi(2);
    }
    let denominator = (variance_a * variance_b).sqrt();
    (denominator > 0.0 && denominator.is_finite()).then(|| covariance / denominator)
}

/// 1 − correlation; for values that do not vary, the largest absolute change instead.
fn one_minus_correlation(old: &[f64], new: &[f64]) -> f64 {
    match correlation(old, new) {
        Some(correlation) => 1.0 - correlation,
        None => old
            .iter()
            .zip(new)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max),
    }
}

/// Simulated roll calls from the model itself, for testing and benchmarking: true
/// positions x ~ N(0, 1), α ~ N(0, 1), β ~ N(0, 1.5²), votes drawn from the model,
/// each vote missing with probability `missing`. Deterministic for a seed.
pub fn simulate(
    members: usize,
    divisions: usize,
    missing: f64,
    seed: u64,
) -> Result<(VoteMatrix, Vec<f64>), AnalyticsError> {
    let mut random = SplitMix(seed);
    let truth: Vec<f64> = (0..members).map(|_| random.normal()).collect();
    let mut builder = crate::votes::VoteMatrixBuilder::default();
    for member in 0..members {
        builder.add_member(
            &format!("member-{member}"),
            Some(format!("group-{}", member % 3)),
        )?;
    }
    for division in 0..divisions {
        let row = builder.add_division(&format!("division-{division}"))?;
        let (a, b) = (random.normal(), 1.5 * random.normal());
        for (member, x) in truth.iter().enumerate() {
            if random.uniform() < missing {
                continue;
            }
            let utility = a + b * x + random.normal();
            let vote = if utility > 0.0 {
                crate::votes::Vote::Yea
            } else {
                crate::votes::Vote::Nay
            };
            builder.add_vote_by_index(row, member, vote)?;
        }
    }
    Ok((builder.build()?, truth))
}

/// A small deterministic generator (SplitMix64) with Box–Muller normals: enough for
/// simulations, with no dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}
