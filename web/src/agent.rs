//! The engine's side of the worker: owns the engine (through [`Sim`]) and answers each request
//! with a snapshot. The page is a pure view over these replies. `src/bin/worker.rs` wires it to
//! the worker's `onmessage` (see [`crate::bridge`] for the page's side).

use crate::protocol::{Reply, Request};
use crate::sim::Sim;

/// The simulated cluster the worker hosts.
#[derive(Default)]
pub struct EngineWorker {
    sim: Sim,
}

impl EngineWorker {
    /// Answers one request.
    pub fn handle(&mut self, msg: Request) -> Reply {
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
            return reply;
        }
        self.sim.handle(msg)
    }
}
