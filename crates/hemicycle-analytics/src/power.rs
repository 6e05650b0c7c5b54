//! Voting power in weighted voting games: Banzhaf (absolute and normalised) and
//! Shapley–Shubik indices, by generating-function dynamic programming.
//!
//! Two ways of computing, for two purposes:
//!
//! - [`power_indices`] works in double precision on *probabilities* rather than counts:
//!   the distribution of the weight of a random coalition (each player in with
//!   probability ½ for Banzhaf; a uniformly random coalition of each size for
//!   Shapley–Shubik). Every number stays in [0, 1], so nothing overflows, and with at
//!   most [`MAX_PLAYERS`] players the smallest non-zero probability (2⁻¹⁰⁰⁰, or
//!   1 / C(1000, 500)) is still a normal double, so nothing underflows either.
//!   Banzhaf costs O(n·q) and Shapley–Shubik O(n·q·n/2) at worst (less when the weights
//!   leave most (size, weight) cells empty), plus one cheap pass per *distinct* weight.
//! - [`exact_power`] counts coalitions with big integers and returns fractions. It is
//!   slower (O(n²·q) big-integer additions per distinct weight) and is what the fast
//!   path is checked against in the tests; [`Method::Auto`] uses it for small games.
//!
//! A player's leave-one-out distribution is recovered from the full one by undoing the
//! player's factor ("deconvolution"). Undoing it runs from the light end of the
//! distribution towards the middle only; the heavy half is read through the symmetry
//! "the complement of a coalition of the others is a coalition of the others", which
//! keeps the subtraction away from the tails where it would cancel catastrophically.

use num_bigint::BigUint;
use num_integer::Integer as _;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::AnalyticsError;

/// At most this many players: keeps every probability the fast path handles a normal
/// double (see the module documentation).
pub const MAX_PLAYERS: usize = 1_000;
/// At most this total weight (e.g. seats): bounds the tables.
pub const MAX_TOTAL_WEIGHT: u64 = 10_000_000;
/// At most this many (size, weight) cells in the Shapley–Shubik table (8 bytes each).
pub const MAX_TABLE_CELLS: usize = 20_000_000;
/// [`Method::Auto`] computes exactly while n²·q·(distinct weights) stays under this.
pub const EXACT_WORK_LIMIT: u128 = 20_000_000;

/// A weighted voting game [quota; w₁, …, wₙ]: a coalition wins when its weight reaches
/// the quota. Checked on construction: 1 ≤ quota ≤ total weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeightedGame {
    quota: u64,
    weights: Vec<u64>,
    total_weight: u64,
}

impl WeightedGame {
    pub fn new(quota: u64, weights: Vec<u64>) -> Result<Self, AnalyticsError> {
        if weights.is_empty() {
            return Err(AnalyticsError::NoPlayers);
        }
        if weights.len() > MAX_PLAYERS {
            return Err(AnalyticsError::TooManyPlayers {
                players: weights.len(),
                limit: MAX_PLAYERS,
            });
        }
        let total_weight = weights
            .iter()
            .try_fold(0u64, |sum, weight| sum.checked_add(*weight))
            .filter(|total| *total <= MAX_TOTAL_WEIGHT)
            .ok_or(AnalyticsError::TotalWeightTooLarge {
                limit: MAX_TOTAL_WEIGHT,
            })?;
        if quota == 0 {
            // Every coalition, even the empty one, would win: nobody could ever swing it.
            return Err(AnalyticsError::QuotaNotPositive);
        }
        if quota > total_weight {
            return Err(AnalyticsError::NobodyCanWin {
                quota,
                total_weight,
            });
        }
        Ok(Self {
            quota,
            weights,
            total_weight,
        })
    }

    pub fn quota(&self) -> u64 {
        self.quota
    }

    pub fn weights(&self) -> &[u64] {
        &self.weights
    }

    pub fn total_weight(&self) -> u64 {
        self.total_weight
    }

    pub fn players(&self) -> usize {
        self.weights.len()
    }

    /// The distinct weights, each with the index of one player who has it.
    fn distinct_weights(&self) -> Vec<u64> {
        let mut distinct = self.weights.clone();
        distinct.sort_unstable();
        distinct.dedup();
        distinct
    }

    /// The window of weights of the *other* players' coalition in which a player of
    /// weight `weight` swings it: q − w ≤ w(S) ≤ q − 1, clipped to what the others hold.
    fn swing_window(&self, weight: u64) -> Option<(u64, u64)> {
        let others = self.total_weight - weight;
        let low = self.quota.saturating_sub(weight);
        let high = (self.quota - 1).min(others);
        (weight > 0 && low <= high).then_some((low, high))
    }
}

/// How [`power_indices`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Exactly when the game is small enough (see [`EXACT_WORK_LIMIT`]), otherwise fast.
    Auto,
    /// Big-integer counts, reported as fractions and as doubles.
    Exact,
    /// Double-precision probabilities (relative error about 1e-13 in practice).
    Fast,
}

/// The indices of every player, in the order of the game's weights.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerIndices {
    /// Probability of being decisive when every other player joins with probability ½.
    pub banzhaf_absolute: Vec<f64>,
    /// Shares of all swings (sums to 1).
    pub banzhaf_normalised: Vec<f64>,
    /// Shares of pivotal positions over all orderings (sums to 1).
    pub shapley_shubik: Vec<f64>,
    /// How they were computed: `exact` or `fast`.
    pub method: Method,
    /// The exact fractions, when computed exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact: Option<ExactPower>,
}

/// Exact counts behind the indices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExactPower {
    /// For each player, the number of coalitions of the others it turns from losing
    /// to winning (out of 2ⁿ⁻¹).
    #[serde(serialize_with = "serialize_big_integers")]
    pub banzhaf_swings: Vec<BigUint>,
    /// For each player, the number of orderings in which it is pivotal (out of n!).
    #[serde(serialize_with = "serialize_big_integers")]
    pub pivotal_orderings: Vec<BigUint>,
    /// Reduced fractions, as text: absolute Banzhaf, normalised Banzhaf, Shapley–Shubik.
    pub banzhaf_absolute_fractions: Vec<String>,
    pub banzhaf_normalised_fractions: Vec<String>,
    pub shapley_shubik_fractions: Vec<String>,
}

fn serialize_big_integers<S: serde::Serializer>(
    values: &[BigUint],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(values.iter().map(|value| value.to_string()))
}

/// Banzhaf and Shapley–Shubik indices of every player.
pub fn power_indices(game: &WeightedGame, method: Method) -> Result<PowerIndices, AnalyticsError> {
    let exact = match method {
        Method::Exact => true,
        Method::Fast => false,
        Method::Auto => exact_work(game) <= EXACT_WORK_LIMIT,
    };
    if exact {
        let exact = exact_power(game);
        Ok(PowerIndices {
            banzhaf_absolute: exact.banzhaf_absolute(game.players()),
            banzhaf_normalised: exact.banzhaf_normalised(),
            shapley_shubik: exact.shapley_shubik(game.players()),
            method: Method::Exact,
            exact: Some(exact),
        })
    } else {
        let (banzhaf_absolute, banzhaf_normalised) = banzhaf(game);
        Ok(PowerIndices {
            banzhaf_absolute,
            banzhaf_normalised,
            shapley_shubik: shapley_shubik(game)?,
            method: Method::Fast,
            exact: None,
        })
    }
}

fn exact_work(game: &WeightedGame) -> u128 {
    let players = game.players() as u128;
    players * players * u128::from(game.quota()) * game.distinct_weights().len() as u128
}

// ---------------------------------------------------------------------------------
// Fast path: probabilities in double precision.

/// Absolute and normalised Banzhaf indices, in O(n·W/2 + distinct weights · W/2).
pub fn banzhaf(game: &WeightedGame) -> (Vec<f64>, Vec<f64>) {
    let total = game.total_weight();
    // The distribution is needed up to half the total weight only; the rest is read
    // through the complement symmetry.
    let half = (total / 2) as usize;
    let mut full = vec![0.0f64; half + 1];
    full[0] = 1.0;
    for &weight in game.weights() {
        let weight = weight as usize;
        if weight == 0 {
            continue;
        }
        for k in (0..=half).rev() {
            let joined = if k >= weight { full[k - weight] } else { 0.0 };
            full[k] = 0.5 * (full[k] + joined);
        }
    }
    let distinct = game.distinct_weights();
    let by_weight: Vec<f64> = distinct
        .par_iter()
        .map(|&weight| banzhaf_of_weight(game, &full, weight))
        .collect();
    let absolute: Vec<f64> = game
        .weights()
        .iter()
        .map(|weight| by_weight[distinct.binary_search(weight).unwrap_or(0)])
        .collect();
    let sum: f64 = absolute.iter().sum();
    // With 1 ≤ quota ≤ total weight somebody always swings (remove players from the
    // grand coalition one by one: the one whose departure makes it lose), so sum > 0.
    let normalised = absolute
        .iter()
        .map(|value| if sum > 0.0 { value / sum } else { 0.0 })
        .collect();
    (absolute, normalised)
}

fn banzhaf_of_weight(game: &WeightedGame, full: &[f64], weight: u64) -> f64 {
    let Some((low, high)) = game.swing_window(weight) else {
        return 0.0;
    };
    let others = game.total_weight() - weight;
    let half_others = (others / 2) as usize;
    let step = weight as usize;
    // full[k] = ½·(others[k] + others[k − w]) ⇒ others[k] = 2·full[k] − others[k − w],
    // run upwards over the light half only.
    let mut without = vec![0.0f64; half_others + 1];
    for k in 0..=half_others {
        let joined = if k >= step { without[k - step] } else { 0.0 };
        without[k] = (2.0 * full[k] - joined).max(0.0);
    }
    let mut probability = 0.0;
    for k in low..=high {
        let mirrored = k.min(others - k) as usize;
        probability += without[mirrored];
    }
    probability
}

/// Shapley–Shubik indices, in O(n·C + distinct weights · C) where C ≤ n/2·W is the
/// number of reachable (size, weight) cells.
pub fn shapley_shubik(game: &WeightedGame) -> Result<Vec<f64>, AnalyticsError> {
    let players = game.players();
    if players == 1 {
        return Ok(vec![1.0]);
    }
    let table = SizeWeightTable::new(game)?;
    let full = table.full_distribution(game);
    let distinct = game.distinct_weights();
    let by_weight: Vec<f64> = distinct
        .par_iter()
        .map(|&weight| table.shapley_shubik_of_weight(game, &full, weight))
        .collect();
    Ok(game
        .weights()
        .iter()
        .map(|weight| by_weight[distinct.binary_search(weight).unwrap_or(0)])
        .collect())
}

/// Rows by coalition size 0..=S (S = ⌊(n−1)/2⌋), each a contiguous range of weights.
struct SizeWeightTable {
    /// First weight held in each row.
    lowest: Vec<u64>,
    /// Start of each row in the flat storage, plus the end.
    starts: Vec<usize>,
    largest_size: usize,
}

impl SizeWeightTable {
    fn new(game: &WeightedGame) -> Result<Self, AnalyticsError> {
        let players = game.players();
        let largest_size = (players - 1) / 2;
        // Weights needed: the swing window directly (≤ q − 1), or mirrored (≤ W − q).
        let highest_needed = (game.quota() - 1).max(game.total_weight() - game.quota());
        let mut ascending = game.weights().to_vec();
        ascending.sort_unstable();
        let mut lowest = Vec::with_capacity(largest_size + 1);
        let mut starts = Vec::with_capacity(largest_size + 2);
        let (mut light, mut heavy) = (0u64, 0u64);
        let mut cells = 0usize;
        for size in 0..=largest_size {
            if size > 0 {
                light += ascending[size - 1];
                heavy += ascending[players - size];
            }
            let low = light.min(highest_needed + 1);
            let high = heavy.min(highest_needed);
            lowest.push(low);
            starts.push(cells);
            let width = if high >= low {
                (high - low + 1) as usize
            } else {
                0
            };
            cells = cells.saturating_add(width);
            if cells > MAX_TABLE_CELLS {
                return Err(AnalyticsError::GameTooLarge {
                    cells,
                    limit: MAX_TABLE_CELLS,
                });
            }
        }
        starts.push(cells);
        Ok(Self {
            lowest,
            starts,
            largest_size,
        })
    }

    fn cells(&self) -> usize {
        self.starts[self.largest_size + 1]
    }

    fn width(&self, size: usize) -> usize {
        self.starts[size + 1] - self.starts[size]
    }

    /// The cell of (size, weight), if the row holds that weight.
    fn cell(&self, size: usize, weight: u64) -> Option<usize> {
        let offset = weight.checked_sub(self.lowest[size])? as usize;
        (offset < self.width(size)).then(|| self.starts[size] + offset)
    }

    /// For each size s, the distribution of the weight of a uniformly random coalition
    /// of s players among all n. Adding the r-th player: a size-s coalition of the
    /// first r leaves it out with probability (r−s)/r.
    fn full_distribution(&self, game: &WeightedGame) -> Vec<f64> {
        let mut table = vec![0.0f64; self.cells()];
        if let Some(origin) = self.cell(0, 0) {
            table[origin] = 1.0;
        }
        for (index, &weight) in game.weights().iter().enumerate() {
            let so_far = (index + 1) as f64;
            let top = (index + 1).min(self.largest_size);
            for size in (1..=top).rev() {
                let keep = (so_far - size as f64) / so_far;
                let join = size as f64 / so_far;
                let low = self.lowest[size];
                for offset in (0..self.width(size)).rev() {
                    let at = self.starts[size] + offset;
                    let joined = (low + offset as u64)
                        .checked_sub(weight)
                        .and_then(|before| self.cell(size - 1, before))
                        .map_or(0.0, |before| table[before]);
                    table[at] = keep * table[at] + join * joined;
                }
            }
        }
        table
    }

    fn shapley_shubik_of_weight(&self, game: &WeightedGame, full: &[f64], weight: u64) -> f64 {
        let Some((low, high)) = game.swing_window(weight) else {
            return 0.0;
        };
        let players = game.players();
        let count = players as f64;
        let others = game.total_weight() - weight;
        // Undo the player's factor, upwards in size over the light half of sizes:
        // full[s][k] = (n−s)/n·f[s][k] + s/n·f[s−1][k−w].
        let mut without = vec![0.0f64; self.cells()];
        if let Some(origin) = self.cell(0, 0) {
            without[origin] = 1.0;
        }
        for size in 1..=self.largest_size {
            let keep = (count - size as f64) / count;
            let join = size as f64 / count;
            let low_weight = self.lowest[size];
            for offset in 0..self.width(size) {
                let at = self.starts[size] + offset;
                let joined = (low_weight + offset as u64)
                    .checked_sub(weight)
                    .and_then(|before| self.cell(size - 1, before))
                    .map_or(0.0, |before| without[before]);
                without[at] = ((full[at] - join * joined) / keep).max(0.0);
            }
        }
        // SS = (1/n)·Σ_s P(a random size-s coalition of the others lands in the window).
        let mut sum = 0.0;
        for size in 0..players {
            let (row, mirrored) = if size <= self.largest_size {
                (size, false)
            } else {
                (players - 1 - size, true)
            };
            for k in low..=high {
                let at_weight = if mirrored { others - k } else { k };
                if let Some(at) = self.cell(row, at_weight) {
                    sum += without[at];
                }
            }
        }
        sum / count
    }
}

// ---------------------------------------------------------------------------------
// Exact path: big-integer counts.

/// Exact swing counts and pivotal orderings, by counting coalitions of the others
/// with big integers (no overflow at any size).
pub fn exact_power(game: &WeightedGame) -> ExactPower {
    let players = game.players();
    let distinct = game.distinct_weights();
    let counted: Vec<(BigUint, BigUint)> = distinct
        .par_iter()
        .map(|&weight| exact_counts_of_weight(game, weight))
        .collect();
    let mut banzhaf_swings = Vec::with_capacity(players);
    let mut pivotal_orderings = Vec::with_capacity(players);
    for weight in game.weights() {
        let (swings, pivotal) = &counted[distinct.binary_search(weight).unwrap_or(0)];
        banzhaf_swings.push(swings.clone());
        pivotal_orderings.push(pivotal.clone());
    }
    let coalitions_of_others = BigUint::from(1u8) << (players - 1);
    let orderings = factorial(players);
    let total_swings: BigUint = banzhaf_swings.iter().sum();
    ExactPower {
        banzhaf_absolute_fractions: banzhaf_swings
            .iter()
            .map(|swings| fraction(swings, &coalitions_of_others))
            .collect(),
        banzhaf_normalised_fractions: banzhaf_swings
            .iter()
            .map(|swings| fraction(swings, &total_swings))
            .collect(),
        shapley_shubik_fractions: pivotal_orderings
            .iter()
            .map(|pivotal| fraction(pivotal, &orderings))
            .collect(),
        banzhaf_swings,
        pivotal_orderings,
    }
}

impl ExactPower {
    pub fn banzhaf_absolute(&self, players: usize) -> Vec<f64> {
        let coalitions = BigUint::from(1u8) << players.saturating_sub(1);
        self.banzhaf_swings
            .iter()
            .map(|swings| ratio_to_f64(swings, &coalitions))
            .collect()
    }

    pub fn banzhaf_normalised(&self) -> Vec<f64> {
        let total: BigUint = self.banzhaf_swings.iter().sum();
        self.banzhaf_swings
            .iter()
            .map(|swings| ratio_to_f64(swings, &total))
            .collect()
    }

    pub fn shapley_shubik(&self, players: usize) -> Vec<f64> {
        let orderings = factorial(players);
        self.pivotal_orderings
            .iter()
            .map(|pivotal| ratio_to_f64(pivotal, &orderings))
            .collect()
    }
}

/// (swings, pivotal orderings) of a player of weight `weight`.
fn exact_counts_of_weight(game: &WeightedGame, weight: u64) -> (BigUint, BigUint) {
    let Some((low, high)) = game.swing_window(weight) else {
        return (BigUint::default(), BigUint::default());
    };
    let players = game.players();
    // Coalitions of the others, by size and by weight below the quota (heavier ones
    // can never be swung by this player).
    let limit = high as usize;
    let mut counts = vec![vec![BigUint::default(); limit + 1]; players];
    counts[0][0] = BigUint::from(1u8);
    let mut skipped_self = false;
    let mut seen = 0usize;
    for &other in game.weights() {
        if other == weight && !skipped_self {
            skipped_self = true;
            continue;
        }
        seen += 1;
        let other = other as usize;
        for size in (1..=seen).rev() {
            let (before, after) = counts.split_at_mut(size);
            let previous = &before[size - 1];
            let row = &mut after[0];
            for k in (other..=limit).rev() {
                if previous[k - other] != BigUint::default() {
                    let added = previous[k - other].clone();
                    row[k] += added;
                }
            }
        }
    }
    let mut swings = BigUint::default();
    let mut pivotal = BigUint::default();
    for (size, row) in counts.iter().enumerate() {
        let in_window: BigUint = row[low as usize..=limit].iter().sum();
        if in_window == BigUint::default() {
            continue;
        }
        // Orderings in which this coalition comes first, the player next, the rest after.
        pivotal += &in_window * factorial(size) * factorial(players - 1 - size);
        swings += in_window;
    }
    (swings, pivotal)
}

fn factorial(n: usize) -> BigUint {
    (1..=n).fold(BigUint::from(1u8), |product, k| product * BigUint::from(k))
}

fn fraction(numerator: &BigUint, denominator: &BigUint) -> String {
    if *denominator == BigUint::default() {
        return "0".to_owned();
    }
    let divisor = numerator.gcd(denominator);
    if divisor == BigUint::default() {
        return "0".to_owned();
    }
    let (numerator, denominator) = (numerator / &divisor, denominator / &divisor);
    if denominator == BigUint::from(1u8) {
        numerator.to_string()
    } else {
        format!("{numerator}/{denominator}")
    }
}

/// numerator / denominator as the nearest-below double (about 1 ulp): the quotient is
/// formed with 64 significant bits before the conversion, so nothing overflows.
pub fn ratio_to_f64(numerator: &BigUint, denominator: &BigUint) -> f64 {
    if *numerator == BigUint::default() || *denominator == BigUint::default() {
        return 0.0;
    }
    let shift = denominator.bits() as i64 - numerator.bits() as i64 + 64;
    let quotient = if shift >= 0 {
        (numerator << shift as u64) / denominator
    } else {
        numerator / (denominator << (-shift) as u64)
    };
    let digits = quotient.to_u64_digits();
    let mut value = 0.0f64;
    for digit in digits.iter().rev() {
        value = value * 18_446_744_073_709_551_616.0 + *digit as f64;
    }
    scale_by_power_of_two(value, -shift)
}

fn scale_by_power_of_two(mut value: f64, mut exponent: i64) -> f64 {
    // Steps of at most 2^±512 keep each factor finite and normal.
    while exponent > 512 {
        value *= 2f64.powi(512);
        exponent -= 512;
    }
    while exponent < -512 {
        value *= 2f64.powi(-512);
        exponent += 512;
    }
    value * 2f64.powi(exponent as i32)
}

/// The minimal winning coalitions (as lists of player indices, heaviest first), up to
/// `limit` of them; the flag says whether the list was cut short.
pub fn minimal_winning_coalitions(game: &WeightedGame, limit: usize) -> (Vec<Vec<usize>>, bool) {
    let mut order: Vec<usize> = (0..game.players())
        .filter(|&player| game.weights()[player] > 0)
        .collect();
    order.sort_by(|a, b| game.weights()[*b].cmp(&game.weights()[*a]).then(a.cmp(b)));
    let weights: Vec<u64> = order.iter().map(|&player| game.weights()[player]).collect();
    let mut remaining = vec![0u64; weights.len() + 1];
    for index in (0..weights.len()).rev() {
        remaining[index] = remaining[index + 1] + weights[index];
    }
    let mut search = MinimalSearch {
        quota: game.quota(),
        weights: &weights,
        remaining: &remaining,
        found: Vec::new(),
        limit,
        visits_left: MAX_SEARCH_VISITS,
        truncated: false,
    };
    search.explore(0, 0, &mut Vec::new());
    let coalitions = search
        .found
        .into_iter()
        .map(|members| members.into_iter().map(|index| order[index]).collect())
        .collect();
    (coalitions, search.truncated)
}

/// Bounds the search for minimal coalitions, whose number can grow exponentially.
pub const MAX_SEARCH_VISITS: usize = 2_000_000;

struct MinimalSearch<'a> {
    quota: u64,
    weights: &'a [u64],
    remaining: &'a [u64],
    found: Vec<Vec<usize>>,
    limit: usize,
    visits_left: usize,
    truncated: bool,
}

impl MinimalSearch<'_> {
    /// Players are taken heaviest first, so the last one added is the lightest: a
    /// coalition that just reached the quota is minimal exactly when it was losing
    /// before that last, lightest player joined.
    fn explore(&mut self, next: usize, weight: u64, chosen: &mut Vec<usize>) {
        for index in next..self.weights.len() {
            if self.found.len() >= self.limit || self.visits_left == 0 {
                self.truncated = true;
                return;
            }
            self.visits_left -= 1;
            if weight + self.remaining[index] < self.quota {
                return;
            }
            chosen.push(index);
            let with = weight + self.weights[index];
            if with >= self.quota {
                self.found.push(chosen.clone());
            } else {
                self.explore(index + 1, with, chosen);
            }
            chosen.pop();
        }
    }
}
