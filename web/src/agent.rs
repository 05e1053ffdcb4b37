//! The Web Worker agent: owns the engine (through [`Sim`]) and answers each request with a
//! snapshot. The page is a pure view over these replies.

use crate::protocol::{Reply, Request};
use crate::sim::Sim;
use yew_agent::worker::{HandlerId, Worker, WorkerScope};

/// The yew-agent worker hosting the simulated cluster.
pub struct EngineWorker {
    sim: Sim,
}

impl Worker for EngineWorker {
    type Message = ();
    type Input = Request;
    type Output = Reply;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        EngineWorker {
            sim: Sim::default(),
        }
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, _msg: Self::Message) {}

    fn received(&mut self, scope: &WorkerScope<Self>, msg: Self::Input, id: HandlerId) {
        if let crate::protocol::Op::Bench { sim_ms } = msg.op {
            // A first, untimed run lets the browser tier the hot wasm functions up from its
            // baseline compiler (Liftoff) to its optimising one (TurboFan), as a native binary is
            // optimised ahead of time: the timed run measures the engine, not the JIT's warm-up.
            crate::sim::bench_large(sim_ms);
            let start = js_sys::Date::now();
            crate::sim::bench_large(sim_ms);
            let wall = js_sys::Date::now() - start;
            let mut reply = self.sim.handle(Request {
                seq: msg.seq,
                op: crate::protocol::Op::Advance { ms: 0 },
            });
            reply.bench_wall_ms = Some((sim_ms, wall));
            scope.respond(id, reply);
            return;
        }
        let reply = self.sim.handle(msg);
        scope.respond(id, reply);
    }
}
