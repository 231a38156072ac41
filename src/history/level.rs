//! Levels: how far an exercise with a progression has grown, derived from the log alone.
//!
//! An exercise's `progress` says how it grows: its hold by `hold.step` seconds up to `hold.max`,
//! its reps by `reps.step` up to `reps.max`, one step after every `after` good sessions. Level 1
//! is the exercise as written; each level above adds one step to each value that has not reached
//! its maximum; the top level has every value at its maximum.
//!
//! The log is the one source of truth, read in the order the sessions began:
//!
//! - a session rated easy or fine, or not rated and finished, that did the exercise, counts one
//!   good session; `after` of them in a row move the exercise up a level;
//! - "hard" keeps the level, and the count starts again (better one more session at this level
//!   than a step up after a struggle);
//! - "pain" moves every exercise of the routine down a level at once (never below level 1), and
//!   the count starts again;
//! - a stopped session that was not rated, a killed one, or one that left the exercise out changes
//!   nothing for it;
//! - a session run at a level chosen by hand (`--level`, `--no-progress`) never moves a level up;
//!   "pain" in it still moves it down.
//!
//! These are pure functions of the sessions, so the same ratings give the same level however the
//! log was split into files or its lines reordered.

use crate::history::record::Rating;
use crate::routine::Ms;
pub use crate::routine::{Grow, Progress};

/// An exercise's values at each of its levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ladder {
    /// The hold as written, where the progression grows it.
    pub hold: Option<Ms>,
    pub reps: u32,
    pub progress: Progress,
}

impl Ladder {
    /// How many levels there are: 1 and one more for each step until every value is at its top.
    pub fn levels(&self) -> u32 {
        let steps = |base: u64, grow: Option<Grow>| match grow {
            Some(g) if g.step > 0 && g.max > base => (g.max - base).div_ceil(g.step),
            _ => 0,
        };
        let hold = self.hold.map_or(0, |h| steps(h, self.progress.hold));
        let reps = steps(u64::from(self.reps), self.progress.reps);
        1 + u32::try_from(hold.max(reps)).unwrap_or(u32::MAX - 1)
    }

    /// The hold at `level` (from 1; past the top is the top).
    pub fn hold_at(&self, level: u32) -> Option<Ms> {
        self.hold
            .map(|h| grown(h, self.progress.hold, self.clamp(level)))
    }

    pub fn reps_at(&self, level: u32) -> u32 {
        let reps = grown(u64::from(self.reps), self.progress.reps, self.clamp(level));
        u32::try_from(reps).unwrap_or(u32::MAX)
    }

    pub fn clamp(&self, level: u32) -> u32 {
        level.clamp(1, self.levels())
    }
}

fn grown(base: u64, grow: Option<Grow>, level: u32) -> u64 {
    match grow {
        Some(g) if g.max > base => base
            .saturating_add(g.step.saturating_mul(u64::from(level - 1)))
            .min(g.max),
        _ => base,
    }
}

/// One session of the routine, as far as one exercise's level is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub rating: Option<Rating>,
    /// The session reached its end.
    pub finished: bool,
    /// The exercise was done in it (at least one rep), not skipped or left out.
    pub did: bool,
    /// Run at a level chosen by hand.
    pub by_hand: bool,
}

/// Where an exercise stands after its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// From 1 to the ladder's levels.
    pub level: u32,
    /// Good sessions counted towards the next level.
    pub good: u32,
    /// The last session that ended or was rated brought it down a level: rated "pain" above
    /// the first level.
    pub eased: bool,
}

/// The level after `outcomes`, in the order the sessions began.
pub fn standing(ladder: &Ladder, outcomes: impl IntoIterator<Item = Outcome>) -> Standing {
    let top = ladder.levels();
    let after = ladder.progress.after.max(1);
    let mut s = Standing {
        level: 1,
        good: 0,
        eased: false,
    };
    for o in outcomes {
        // A session neither ended nor rated (killed) leaves what the last one did.
        if o.rating.is_some() || o.finished {
            s.eased = o.rating == Some(Rating::Pain) && s.level > 1;
        }
        match o.rating {
            Some(Rating::Pain) => {
                s.level = (s.level - 1).max(1);
                s.good = 0;
            }
            _ if !o.did || o.by_hand => {}
            Some(Rating::Hard) => s.good = 0,
            Some(Rating::Easy | Rating::Fine) => s = up(s, top, after),
            None if o.finished => s = up(s, top, after),
            None => {}
        }
    }
    s
}

fn up(mut s: Standing, top: u32, after: u32) -> Standing {
    if s.level >= top {
        return Standing {
            level: top,
            good: 0,
            ..s
        };
    }
    s.good += 1;
    if s.good >= after {
        s.level += 1;
        s.good = 0;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bridge() -> Ladder {
        // 5 s x 8, growing 1 s to 9 s and 1 rep to 10: levels 5 s x 8 ... 9 s x 10.
        Ladder {
            hold: Some(5000),
            reps: 8,
            progress: Progress {
                hold: Some(Grow {
                    step: 1000,
                    max: 9000,
                }),
                reps: Some(Grow { step: 1, max: 10 }),
                after: 2,
            },
        }
    }

    fn rated(r: Option<Rating>) -> Outcome {
        Outcome {
            rating: r,
            finished: true,
            did: true,
            by_hand: false,
        }
    }

    #[test]
    fn values_grow_a_step_a_level_and_stop_at_their_maximum() {
        let l = bridge();
        assert_eq!(l.levels(), 5);
        let values: Vec<_> = (1..=6).map(|n| (l.hold_at(n), l.reps_at(n))).collect();
        assert_eq!(
            values,
            [
                (Some(5000), 8),
                (Some(6000), 9),
                (Some(7000), 10),
                (Some(8000), 10),
                (Some(9000), 10),
                (Some(9000), 10),
            ]
        );
        // A step that overshoots stops at the maximum.
        let odd = Ladder {
            hold: Some(10_000),
            reps: 3,
            progress: Progress {
                hold: Some(Grow {
                    step: 4000,
                    max: 20_000,
                }),
                reps: None,
                after: 1,
            },
        };
        assert_eq!(odd.levels(), 4);
        assert_eq!(odd.hold_at(4), Some(20_000));
        assert_eq!(odd.hold_at(3), Some(18_000));
    }

    #[test]
    fn two_good_sessions_move_up_hard_keeps_pain_moves_down() {
        use Rating::*;
        let l = bridge();
        let at = |ratings: &[Option<Rating>]| standing(&l, ratings.iter().map(|r| rated(*r)));
        assert_eq!(at(&[]).level, 1);
        assert_eq!(
            at(&[Some(Easy)]),
            Standing {
                level: 1,
                good: 1,
                eased: false
            }
        );
        assert_eq!(
            at(&[Some(Easy), None]).level,
            2,
            "unrated and finished counts"
        );
        assert_eq!(at(&[Some(Easy), Some(Hard), Some(Fine)]).level, 1);
        assert_eq!(at(&[Some(Easy), Some(Fine), Some(Hard)]).level, 2);
        assert_eq!(at(&[Some(Easy), Some(Fine), Some(Pain)]).level, 1);
        assert_eq!(at(&[Some(Pain), Some(Pain)]).level, 1);
        // Pain eases what stood above the first level, and only until the next session.
        assert!(at(&[Some(Easy), Some(Fine), Some(Pain)]).eased);
        assert!(!at(&[Some(Pain)]).eased);
        assert!(!at(&[Some(Easy), Some(Fine), Some(Pain), Some(Hard)]).eased);
        assert_eq!(
            at(&[Some(Easy); 20]),
            Standing {
                level: 5,
                good: 0,
                eased: false
            }
        );
    }

    #[test]
    fn stopped_skipped_and_by_hand_sessions_do_not_move_up() {
        let l = bridge();
        let stopped = Outcome {
            finished: false,
            ..rated(None)
        };
        let skipped = Outcome {
            did: false,
            ..rated(Some(Rating::Easy))
        };
        let by_hand = Outcome {
            by_hand: true,
            ..rated(Some(Rating::Easy))
        };
        assert_eq!(standing(&l, [stopped; 4]).level, 1);
        assert_eq!(standing(&l, [skipped; 4]).level, 1);
        assert_eq!(standing(&l, [by_hand; 4]).level, 1);
        let easy = rated(Some(Rating::Easy));
        let pain_by_hand = Outcome {
            by_hand: true,
            did: false,
            ..rated(Some(Rating::Pain))
        };
        assert_eq!(standing(&l, [easy, easy, pain_by_hand]).level, 1);
    }

    fn outcome() -> impl Strategy<Value = Outcome> {
        (
            prop::option::of(prop::sample::select(Rating::ALL.to_vec())),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(rating, finished, did, by_hand)| Outcome {
                rating,
                finished,
                did,
                by_hand,
            })
    }

    fn ladder() -> impl Strategy<Value = Ladder> {
        (
            1u64..600,
            1u32..100,
            prop::option::of((1u64..60, 0u64..600)),
            prop::option::of((1u64..10, 0u64..100)),
            1u32..5,
        )
            .prop_map(|(hold, reps, h, r, after)| Ladder {
                hold: Some(hold * 1000),
                reps,
                progress: Progress {
                    hold: h.map(|(step, extra)| Grow {
                        step: step * 1000,
                        max: (hold + extra) * 1000,
                    }),
                    reps: r.map(|(step, extra)| Grow {
                        step,
                        max: u64::from(reps) + extra,
                    }),
                    after,
                },
            })
    }

    proptest! {
        #[test]
        fn a_level_never_leaves_the_base_and_the_maximum(
            l in ladder(),
            outcomes in prop::collection::vec(outcome(), 0..60),
        ) {
            let s = standing(&l, outcomes);
            prop_assert!((1..=l.levels()).contains(&s.level));
            prop_assert!(s.good < l.progress.after.max(1));
            let hold = l.hold_at(s.level).unwrap();
            let hold_max = l.progress.hold.map_or(l.hold.unwrap(), |g| g.max.max(l.hold.unwrap()));
            prop_assert!(hold >= l.hold.unwrap() && hold <= hold_max);
            let reps = u64::from(l.reps_at(s.level));
            let reps_max = l.progress.reps.map_or(u64::from(l.reps), |g| g.max.max(u64::from(l.reps)));
            prop_assert!(reps >= u64::from(l.reps) && reps <= reps_max);
            // Every level's values stay in range too, and never shrink going up.
            for n in 1..l.levels() {
                prop_assert!(l.hold_at(n) <= l.hold_at(n + 1));
                prop_assert!(l.reps_at(n) <= l.reps_at(n + 1));
            }
        }
    }
}
