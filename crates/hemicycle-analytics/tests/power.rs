//! Voting power: the textbook game, brute force for every small game, and the fast
//! double-precision path against exact big-integer counts for large ones.

use hemicycle_analytics::power::{
    banzhaf, exact_power, minimal_winning_coalitions, power_indices, ratio_to_f64, shapley_shubik,
    Method, WeightedGame,
};
use hemicycle_analytics::AnalyticsError;
use num_bigint::BigUint;
use proptest::prelude::*;

fn game(quota: u64, weights: &[u64]) -> WeightedGame {
    WeightedGame::new(quota, weights.to_vec()).unwrap()
}

fn assert_close(actual: &[f64], expected: &[f64], relative: f64, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    for (index, (a, e)) in actual.iter().zip(expected).enumerate() {
        let tolerance = relative * e.abs().max(1e-300);
        assert!(
            (a - e).abs() <= tolerance,
            "{what}[{index}]: {a:e} vs {e:e} (relative error {:e})",
            (a - e).abs() / e.abs()
        );
    }
}

/// Brute force over all 2ⁿ coalitions: swings and pivotal orderings, in exact integers.
fn brute_force(game: &WeightedGame) -> (Vec<u128>, Vec<u128>) {
    let weights = game.weights();
    let players = weights.len();
    let factorial = |n: usize| (1..=n as u128).product::<u128>();
    let mut swings = vec![0u128; players];
    let mut pivotal = vec![0u128; players];
    for mask in 0u32..(1 << players) {
        let weight: u64 = (0..players)
            .filter(|p| mask & (1 << p) != 0)
            .map(|p| weights[p])
            .sum();
        let size = mask.count_ones() as usize;
        for player in 0..players {
            if mask & (1 << player) != 0 {
                continue;
            }
            if weight < game.quota() && weight + weights[player] >= game.quota() {
                swings[player] += 1;
                pivotal[player] += factorial(size) * factorial(players - 1 - size);
            }
        }
    }
    (swings, pivotal)
}

#[test]
fn the_textbook_game_gives_five_three_three_one_twelfths() {
    let game = game(6, &[4, 3, 2, 1]);
    let indices = power_indices(&game, Method::Exact).unwrap();
    let exact = indices.exact.as_ref().unwrap();
    assert_eq!(
        exact.banzhaf_normalised_fractions,
        ["5/12", "1/4", "1/4", "1/12"]
    );
    assert_eq!(
        exact.shapley_shubik_fractions,
        ["5/12", "1/4", "1/4", "1/12"]
    );
    assert_eq!(
        exact.banzhaf_absolute_fractions,
        ["5/8", "3/8", "3/8", "1/8"]
    );
    let expected = [5.0 / 12.0, 3.0 / 12.0, 3.0 / 12.0, 1.0 / 12.0];
    assert_close(
        &indices.banzhaf_normalised,
        &expected,
        1e-15,
        "exact banzhaf",
    );
    assert_close(&indices.shapley_shubik, &expected, 1e-15, "exact shapley");
    let (_, normalised) = banzhaf(&game);
    assert_close(&normalised, &expected, 1e-13, "fast banzhaf");
    assert_close(
        &shapley_shubik(&game).unwrap(),
        &expected,
        1e-13,
        "fast shapley",
    );
}

#[test]
fn bad_games_are_refused_with_a_reason() {
    assert_eq!(WeightedGame::new(1, vec![]), Err(AnalyticsError::NoPlayers));
    assert_eq!(
        WeightedGame::new(0, vec![1, 2]),
        Err(AnalyticsError::QuotaNotPositive)
    );
    assert_eq!(
        WeightedGame::new(4, vec![1, 2]),
        Err(AnalyticsError::NobodyCanWin {
            quota: 4,
            total_weight: 3
        })
    );
    assert!(matches!(
        WeightedGame::new(1, vec![1; 1001]),
        Err(AnalyticsError::TooManyPlayers { .. })
    ));
    assert!(matches!(
        WeightedGame::new(1, vec![u64::MAX, 1]),
        Err(AnalyticsError::TotalWeightTooLarge { .. })
    ));
}

#[test]
fn dummies_and_dictators_and_a_single_player() {
    // Player 0 is a dictator; the others are dummies (zero weight included).
    let game = game(5, &[5, 2, 2, 0]);
    for method in [Method::Exact, Method::Fast] {
        let indices = power_indices(&game, method).unwrap();
        assert_eq!(
            indices.banzhaf_normalised,
            [1.0, 0.0, 0.0, 0.0],
            "{method:?}"
        );
        assert_eq!(indices.shapley_shubik, [1.0, 0.0, 0.0, 0.0], "{method:?}");
        assert_eq!(indices.banzhaf_absolute, [1.0, 0.0, 0.0, 0.0], "{method:?}");
    }
    let alone = power_indices(&self::game(3, &[3]), Method::Fast).unwrap();
    assert_eq!(alone.shapley_shubik, [1.0]);
    assert_eq!(alone.banzhaf_absolute, [1.0]);
}

#[test]
fn large_games_are_exact_to_twelve_digits_where_counts_overflow_128_bits() {
    // 140 players: counts reach 2^139, beyond any machine integer.
    let weights: Vec<u64> = (0..140).map(|index| 1 + (index * 7919 % 5)).collect();
    let total: u64 = weights.iter().sum();
    for quota in [total / 2 + 1, total * 2 / 3, total / 10 + 1, total - 3] {
        let game = game(quota, &weights);
        let exact = exact_power(&game);
        let (absolute, normalised) = banzhaf(&game);
        assert_close(
            &absolute,
            &exact.banzhaf_absolute(140),
            1e-12,
            "banzhaf absolute",
        );
        assert_close(
            &normalised,
            &exact.banzhaf_normalised(),
            1e-12,
            "banzhaf normalised",
        );
        let fast = shapley_shubik(&game).unwrap();
        assert_close(&fast, &exact.shapley_shubik(140), 1e-12, "shapley-shubik");
    }
}

#[test]
fn equal_players_share_power_equally_even_at_six_hundred_and_fifty() {
    let game = game(326, &[1; 650]);
    let (absolute, normalised) = banzhaf(&game);
    let shapley = shapley_shubik(&game).unwrap();
    // A player swings exactly when 325 of the other 649 join: C(649, 325) / 2^649.
    let binomial = (1..=325u32).fold(BigUint::from(1u8), |product, k| {
        product * BigUint::from(649 - 325 + k) / BigUint::from(k)
    });
    let expected = ratio_to_f64(&binomial, &(BigUint::from(1u8) << 649u32));
    assert_close(&absolute, &vec![expected; 650], 1e-12, "absolute");
    assert_close(&normalised, &vec![1.0 / 650.0; 650], 1e-12, "normalised");
    assert_close(&shapley, &vec![1.0 / 650.0; 650], 1e-12, "shapley");
}

#[test]
fn ratios_of_huge_integers_convert_without_overflow() {
    let huge = BigUint::from(1u8) << 5000u32;
    assert_eq!(ratio_to_f64(&huge, &(&huge * 4u8)), 0.25);
    assert_eq!(ratio_to_f64(&(&huge * 3u8), &huge), 3.0);
    assert_eq!(ratio_to_f64(&BigUint::default(), &huge), 0.0);
    assert_eq!(ratio_to_f64(&huge, &BigUint::default()), 0.0);
}

#[test]
fn minimal_winning_coalitions_of_the_textbook_game() {
    let (coalitions, truncated) = minimal_winning_coalitions(&game(6, &[4, 3, 2, 1]), 100);
    assert!(!truncated);
    assert_eq!(coalitions, vec![vec![0, 1], vec![0, 2], vec![1, 2, 3]]);
    let (cut, truncated) = minimal_winning_coalitions(&game(6, &[4, 3, 2, 1]), 2);
    assert!(truncated);
    assert_eq!(cut.len(), 2);
}

fn small_game() -> impl Strategy<Value = WeightedGame> {
    prop::collection::vec(0u64..=20, 1..=15).prop_flat_map(|weights| {
        let total: u64 = weights.iter().sum::<u64>().max(1);
        let weights = if weights.iter().all(|w| *w == 0) {
            let mut weights = weights;
            weights[0] = 1;
            weights
        } else {
            weights
        };
        (1..=total).prop_map(move |quota| {
            let total: u64 = weights.iter().sum();
            WeightedGame::new(quota.min(total), weights.clone()).unwrap()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_small_game_matches_brute_force(game in small_game()) {
        let players = game.players();
        let (swings, pivotal) = brute_force(&game);
        let exact = exact_power(&game);
        let swings_exact: Vec<u128> = exact.banzhaf_swings.iter().map(|v| v.to_string().parse().unwrap()).collect();
        let pivotal_exact: Vec<u128> = exact.pivotal_orderings.iter().map(|v| v.to_string().parse().unwrap()).collect();
        prop_assert_eq!(&swings_exact, &swings);
        prop_assert_eq!(&pivotal_exact, &pivotal);

        let factorial = (1..=players as u128).product::<u128>() as f64;
        let total_swings: u128 = swings.iter().sum();
        let expected_absolute: Vec<f64> = swings.iter().map(|s| *s as f64 / 2f64.powi(players as i32 - 1)).collect();
        let expected_normalised: Vec<f64> = swings.iter().map(|s| *s as f64 / total_swings as f64).collect();
        let expected_shapley: Vec<f64> = pivotal.iter().map(|p| *p as f64 / factorial).collect();
        let (absolute, normalised) = banzhaf(&game);
        let shapley = shapley_shubik(&game).unwrap();
        for (values, expected) in [(&absolute, &expected_absolute), (&normalised, &expected_normalised), (&shapley, &expected_shapley)] {
            for (value, wanted) in values.iter().zip(expected.iter()) {
                prop_assert!((value - wanted).abs() <= 1e-12 * wanted.abs() + 1e-15, "{} vs {}", value, wanted);
            }
        }
    }
}
