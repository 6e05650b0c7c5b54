"""Times the Python package `powerindex` on the games of benches/power.rs.

    pip install powerindex
    python3 crates/hemicycle-analytics/benches/compare/powerindex_compare.py

The games are the same as in benches/power.rs: 650 equal players with quota 326, and
150 players with weights 1 + (37·i + 11 + i²) mod 50 and quota half the total plus one.
It also checks that the package fails (OverflowError) where hemicycle does not.
"""

import time

import powerindex


def weights_150():
    return [1 + (37 * i + 11 + i * i) % 50 for i in range(150)]


def timed(label, function):
    start = time.perf_counter()
    try:
        function()
        outcome = "ok"
    except (OverflowError, ValueError) as error:
        outcome = f"failed: {type(error).__name__}: {error}"
    elapsed = time.perf_counter() - start
    print(f"{label:<45} {elapsed:10.3f} s  {outcome}")
    return elapsed


def main():
    weights = weights_150()
    games = [
        ("650 equal players", 326, [1] * 650),
        ("150 players, weights 1-50", sum(weights) // 2 + 1, weights),
    ]
    for name, quota, game_weights in games:
        game = powerindex.Game(quota, weights=game_weights)
        timed(f"banzhaf / {name}", game.calc_banzhaf)
        game = powerindex.Game(quota, weights=game_weights)
        timed(f"shapley_shubik / {name}", game.calc_shapley_shubik)
    # Where the package's floating-point factorials overflow.
    for players in (170, 171, 200):
        game = powerindex.Game(players // 2 + 1, weights=[1] * players)
        timed(f"shapley_shubik / {players} equal players", game.calc_shapley_shubik)


if __name__ == "__main__":
    main()
