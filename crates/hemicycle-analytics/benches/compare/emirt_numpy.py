"""A straightforward NumPy implementation of the same EM for ideal points (binary
IRT, Imai–Lo–Olmsted 2016) as crates/hemicycle-analytics/src/ideal_points.rs, for
comparison on the same data.

    pip install numpy scipy
    python3 crates/hemicycle-analytics/benches/compare/emirt_numpy.py simulate votes.csv
    python3 crates/hemicycle-analytics/benches/compare/emirt_numpy.py fit votes.csv
    time hemicycle analyze ideal-points votes.csv --json -o /dev/null

`simulate` writes a wide matrix (one row per division, one column per member, 1/0/NA)
of 500 members × 5,000 divisions drawn from the model (seed 1), with the true
positions in votes.csv.truth; `fit` times the EM on it and reports the correlation
with the truth. Same priors, starting values (first principal component of the
division-centred ±1 matrix) and stopping rule (1 − correlation < 1e-6 for x, α, β).
"""

import sys
import time

import numpy as np
from scipy.special import log_ndtr

MEMBERS, DIVISIONS = 500, 5000
PRIOR_PRECISION = 1.0 / 25.0


def simulate(path):
    random = np.random.default_rng(1)
    truth = random.standard_normal(MEMBERS)
    alpha = random.standard_normal(DIVISIONS)
    beta = 1.5 * random.standard_normal(DIVISIONS)
    utility = alpha[:, None] + beta[:, None] * truth[None, :] + random.standard_normal((DIVISIONS, MEMBERS))
    votes = (utility > 0).astype(int)
    with open(path, "w") as out:
        out.write('"",' + ",".join(f"m{i}" for i in range(MEMBERS)) + "\n")
        for row, division in enumerate(votes):
            out.write(f"d{row}," + ",".join(map(str, division)) + "\n")
    np.savetxt(path + ".truth", truth)


def inverse_mills(m):
    # φ(m)/Φ(m) in logs, finite in both tails.
    return np.exp(-0.5 * m * m - 0.5 * np.log(2 * np.pi) - log_ndtr(m))


def one_minus_correlation(old, new):
    if np.std(old) == 0 or np.std(new) == 0:
        return np.max(np.abs(old - new))
    return 1.0 - np.corrcoef(old, new)[0, 1]


def fit(path):
    rows = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=str)[:, 1:]
    votes = np.where(rows == "1", 1.0, np.where(rows == "0", 0.0, np.nan))
    start = time.perf_counter()
    observed = ~np.isnan(votes)
    yea = votes == 1.0
    signs = np.where(observed, np.where(yea, 1.0, -1.0), 0.0)
    counts = observed.sum(axis=1, keepdims=True)
    centred = np.where(observed, signs - signs.sum(axis=1, keepdims=True) / np.maximum(counts, 1), 0.0)
    vector = 1.0 + (np.arange(votes.shape[1]) * 7919 % 101) / 101.0
    for _ in range(50):
        vector = centred.T @ (centred @ vector)
        vector /= np.linalg.norm(vector)
    x = (vector - vector.mean()) / vector.std()
    alpha = np.zeros(votes.shape[0])
    beta = np.zeros(votes.shape[0])
    iterations = 0
    while iterations < 5000:
        iterations += 1
        mean = alpha[:, None] + beta[:, None] * x[None, :]
        latent = np.where(yea, mean + inverse_mills(mean), mean - inverse_mills(-mean))
        latent = np.where(observed, latent, 0.0)
        weights = observed.astype(float)
        n = weights.sum(axis=1) + PRIOR_PRECISION
        sx = weights @ x
        sxx = weights @ (x * x) + PRIOR_PRECISION
        sy = latent.sum(axis=1)
        sxy = latent @ x
        determinant = n * sxx - sx * sx
        new_alpha = (sxx * sy - sx * sxy) / determinant
        new_beta = (n * sxy - sx * sy) / determinant
        numerator = ((latent - new_alpha[:, None] * weights) * new_beta[:, None]).sum(axis=0)
        denominator = 1.0 + (weights * (new_beta ** 2)[:, None]).sum(axis=0)
        new_x = numerator / denominator
        change = max(
            one_minus_correlation(x, new_x),
            one_minus_correlation(alpha, new_alpha),
            one_minus_correlation(beta, new_beta),
        )
        x, alpha, beta = new_x, new_alpha, new_beta
        if change < 1e-6:
            break
    elapsed = time.perf_counter() - start
    truth = np.loadtxt(path + ".truth")
    print(
        f"NumPy EM: {elapsed:.2f} s, {iterations} iterations, "
        f"|correlation with truth| {abs(np.corrcoef(x, truth)[0, 1]):.4f}"
    )


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("simulate", "fit"):
        sys.exit(__doc__)
    (simulate if sys.argv[1] == "simulate" else fit)(sys.argv[2])
