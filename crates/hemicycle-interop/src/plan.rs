//! Planning an import: each command is decided and applied on a scratch state as it is
//! planned, so that a refusal names the object it came from, and the caller can run
//! the whole plan as one batch.

use hemicycle_core::rules::StandingOrders;
use hemicycle_core::{Actor, Command, Context, State};

use crate::error::{ImportError, ImportReport};
use hemicycle_core::model::Timestamp;

/// The chamber to establish when importing into an empty journal.
#[derive(Debug, Clone)]
pub struct NewChamber {
    pub standing_orders: StandingOrders,
    /// The name and seats to use when the file does not give them (a preset's).
    pub default_name: String,
    pub default_seats: u32,
    /// Given by the user: these win over the file.
    pub name: Option<String>,
    pub seats: Option<u32>,
}

/// Commands to run as one batch, with where each came from, and what they amount to.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    pub commands: Vec<(Context, Command)>,
    /// For each command, the JSON path or file and line it was planned from.
    pub origins: Vec<String>,
    pub report: ImportReport,
}

impl ImportPlan {
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// Where the command at `index` came from, for an error from `execute_batch`.
    pub fn origin(&self, index: usize) -> &str {
        self.origins.get(index).map_or("(import)", String::as_str)
    }
}

/// Builds a plan against a scratch copy of the state.
pub(crate) struct Planner {
    pub scratch: State,
    pub plan: ImportPlan,
    context: Context,
}

impl Planner {
    pub fn new(state: &State, at: Timestamp) -> Self {
        Self::owning(state.clone(), at)
    }

    /// A planner on a state the caller gives away (no copy is made).
    pub fn owning(state: State, at: Timestamp) -> Self {
        Self {
            scratch: state,
            plan: ImportPlan::default(),
            context: Context {
                at,
                actor: Actor::System,
            },
        }
    }

    /// Decides and applies `command` on the scratch state, and keeps it in the plan.
    pub fn run(&mut self, origin: impl Into<String>, command: Command) -> Result<(), ImportError> {
        let origin = origin.into();
        match self.scratch.execute(&self.context, &command) {
            Ok(_) => {
                self.plan.commands.push((self.context.clone(), command));
                self.plan.origins.push(origin);
                Ok(())
            }
            Err(refusal) => Err(ImportError::Refused {
                at: origin,
                message: format!("{} refused: {refusal}", command.name()),
            }),
        }
    }

    pub fn report(&mut self) -> &mut ImportReport {
        &mut self.plan.report
    }

    /// Hands the plan over and starts an empty one on the same scratch state.
    pub fn take(&mut self) -> ImportPlan {
        std::mem::take(&mut self.plan)
    }
}
