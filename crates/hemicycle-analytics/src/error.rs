//! Everything that can go wrong, as values: no analysis panics on any input.

/// Why an analysis could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalyticsError {
    #[error("a weighted game needs at least one player")]
    NoPlayers,
    #[error("{players} players is more than the {limit} this analysis handles")]
    TooManyPlayers { players: usize, limit: usize },
    #[error("the total weight is more than the {limit} this analysis handles")]
    TotalWeightTooLarge { limit: u64 },
    #[error("the quota must be at least 1 (with quota 0 every coalition wins and nobody is ever decisive)")]
    QuotaNotPositive,
    #[error("nobody can win: the quota {quota} is more than the total weight {total_weight}")]
    NobodyCanWin { quota: u64, total_weight: u64 },
    #[error("the game needs {cells} table cells, more than the {limit} this analysis handles")]
    GameTooLarge { cells: usize, limit: usize },
    #[error("the state holds no chamber")]
    NoChamber,
    #[error("no sitting {0}")]
    NoSitting(String),
    #[error("no sittings to analyse{0}")]
    NoSittings(String),
    #[error("no member {0}")]
    NoMember(String),
    #[error("the vote matrix is empty: {0}")]
    EmptyVotes(String),
    #[error("the vote matrix is too large: {0}")]
    VotesTooLarge(String),
    #[error("{origin}:{line}: {message}")]
    BadVoteFile {
        origin: String,
        line: usize,
        message: String,
    },
    #[error("the picture cannot be drawn: {0}")]
    Picture(String),
}
