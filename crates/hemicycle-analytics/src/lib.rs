//! hemicycle's analytics: what happened in a chamber, measured the way political
//! scientists measure it, from the chamber's own record (a [`hemicycle_core::State`])
//! or from imported vote matrices.
//!
//! - [`attendance`]: present, absent, excused and boycotting, per member and per bloc,
//!   per sitting and over a period; participation in divisions.
//! - [`quorum`]: how close a sitting came to losing its quorum, which blocs' absence
//!   would have broken it, and which coalitions of blocs can deny it.
//! - [`cohesion`]: Rice and Agreement indices per bloc, member loyalty and defections,
//!   the bloc-by-bloc agreement matrix.
//! - [`power`]: Banzhaf and Shapley–Shubik indices of weighted voting games.
//! - [`ideal_points`]: one-dimensional ideal points by the EM algorithm of Imai, Lo and
//!   Olmsted (2016), on a [`votes::VoteMatrix`].
//! - [`picture`]: the same as SVG (and PNG) pictures.
//!
//! Pure apart from the thread pool: no I/O, no clock. Nothing panics on any input:
//! every undefined quantity (a division nobody voted in, a bloc with no members
//! present) is `None` or a clear [`AnalyticsError`], never NaN.

pub mod attendance;
pub mod cohesion;
mod error;
pub mod ideal_points;
mod normal;
pub mod picture;
pub mod power;
pub mod quorum;
pub mod votes;

pub use error::AnalyticsError;
