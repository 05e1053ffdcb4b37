//! The Web Worker agent: owns the engine (through [`Sim`]) and answers each request with a
//! snapshot. The page is a pure view over these replies.

use crate::protocol::{Op, Reply, Request};
use crate::sim::Sim;
use std::collections::VecDeque;
use yew_agent::worker::{HandlerId, Worker, WorkerScope};

/// The yew-agent worker hosting the simulated cluster.
pub struct EngineWorker {
    sim: Sim,
    /// Requests held back until the lessons' file is in ([`crate::lessons::load`]): the first
    /// that needs a lesson and every request after it, so that they still run in order.
    held: VecDeque<(Request, HandlerId)>,
}

/// What the worker tells itself.
pub enum Msg {
    /// The lessons' file has been fetched (or failed to be): run the held requests.
    LessonsLoaded,
}

/// Whether a request needs the lessons to be carried out.
fn needs_lessons(op: &Op) -> bool {
    matches!(
        op,
        Op::StartLesson { .. } | Op::LoadLesson { .. } | Op::StartChallenge { .. }
    )
}

impl EngineWorker {
    fn answer(&mut self, scope: &WorkerScope<Self>, msg: Request, id: HandlerId) {
        if let Op::Bench { sim_ms } = msg.op {
            // A first, untimed run lets the browser tier the hot wasm functions up from its
            // baseline compiler (Liftoff) to its optimising one (TurboFan), as a native binary is
            // optimised ahead of time: the timed run measures the engine, not the JIT's warm-up.
            crate::sim::bench_large(sim_ms);
            let start = js_sys::Date::now();
            crate::sim::bench_large(sim_ms);
            let wall = js_sys::Date::now() - start;
            let mut reply = self.sim.handle(Request {
                seq: msg.seq,
                op: Op::Advance { ms: 0 },
            });
            reply.bench_wall_ms = Some((sim_ms, wall));
            scope.respond(id, reply);
            return;
        }
        let reply: Reply = self.sim.handle(msg);
        scope.respond(id, reply);
    }
}

impl Worker for EngineWorker {
    type Message = Msg;
    type Input = Request;
    type Output = Reply;

    fn create(scope: &WorkerScope<Self>) -> Self {
        if !crate::lessons::loaded() {
            scope.send_future(async {
                crate::lessons::load().await;
                Msg::LessonsLoaded
            });
        }
        EngineWorker {
            sim: Sim::default(),
            held: VecDeque::new(),
        }
    }

    fn update(&mut self, scope: &WorkerScope<Self>, msg: Self::Message) {
        let Msg::LessonsLoaded = msg;
        while let Some((req, id)) = self.held.pop_front() {
            self.answer(scope, req, id);
        }
    }

    fn received(&mut self, scope: &WorkerScope<Self>, msg: Self::Input, id: HandlerId) {
        if !self.held.is_empty() || (!crate::lessons::loaded() && needs_lessons(&msg.op)) {
            self.held.push_back((msg, id));
            return;
        }
        self.answer(scope, msg, id);
    }
}
