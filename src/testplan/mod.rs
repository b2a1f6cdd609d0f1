//! Scenario test plans (`NAME.plan.ron` beside `NAME.ron`): routes through a
//! scenario, each with what must hold at its end, run through the real engine
//! and judged by the real debrief. `talkdown test` is the command; the file
//! format is in docs/scenario-format.md ("Test plans").
//!
//! ```text
//! load::load_plan(path) → TestPlan      (E301–E308 located in the plan)
//! run::run_plan(&plan, &mut analyses) → PlanReport (per case: pass or failures)
//! run::Coverage::of(&scenario, &visits) → beats, choices, endings visited
//! ```

pub mod load;
pub mod model;
pub mod run;

pub use load::{Case, Expect, PlanError, RouteStep, TestPlan, load_plan, plan_beside, plan_files};
pub use run::{CaseReport, Coverage, Failure, PlanReport, Visits, run_plan};
