//! RPCs on the wire: a small topology (controller, brokers, client) with every in-flight envelope
//! drawn as a dot on its link, and the list of recently seen envelopes with their Kafka API names.

use super::Send;
use crate::i18n::Lang;
use crate::state::LostEnvelope;
use kplay_engine::snapshot::{BrokerView, EnvelopeView, VoterView};
use kplay_engine::Command;
use std::collections::VecDeque;
use std::rc::Rc;
use yew::prelude::*;

/// How many envelopes the list shows.
const SHOWN: usize = 7;

/// The diagram's width in SVG units.
const W: f64 = 420.0;
/// Extra room above the controllers for the arcs between them, when there are several.
const QUORUM_TOP: f64 = 28.0;

fn api_class(api: &str) -> &'static str {
    match api.trim_end_matches("Response") {
        "Produce" => "api-produce",
        "Fetch" => "api-fetch",
        "AlterPartition" => "api-alter",
        "BrokerHeartbeat" | "BrokerRegistration" => "api-heartbeat",
        "MetadataUpdate" => "api-metadata",
        "Vote" | "BeginQuorumEpoch" | "EndQuorumEpoch" => "api-vote",
        "FindCoordinator" | "JoinGroup" | "SyncGroup" | "Heartbeat" | "LeaveGroup"
        | "OffsetCommit" | "OffsetFetch" => "api-group",
        _ => "api-other",
    }
}

/// How close (SVG units) to a node a drag must end to count as dropped on it.
const DROP_RADIUS: f64 = 36.0;

/// How long (simulated ms) a lost envelope's ✕ stays on its link.
const LOST_MARK_MS: u64 = 2_000;

/// Whether the link between `a` and `b` is cut (cuts are unordered pairs).
pub fn is_cut(cuts: &[(String, String)], a: &str, b: &str) -> bool {
    cuts.iter()
        .any(|(x, y)| (x == a && y == b) || (x == b && y == a))
}

/// The commands that restore one cut link. The engine only heals every cut at once
/// (`HealNetwork`), so restoring one link heals and re-cuts the others in the same tick: nothing
/// can be sent in between, so no envelope sees the intermediate state.
pub fn restore_link(cuts: &[(String, String)], a: &str, b: &str) -> Vec<Command> {
    let mut out = vec![Command::HealNetwork];
    out.extend(
        cuts.iter()
            .filter(|(x, y)| !((x == a && y == b) || (x == b && y == a)))
            .map(|(x, y)| Command::PartitionNetwork {
                a: x.clone(),
                b: y.clone(),
            }),
    );
    out
}

/// Where the nodes sit: the controllers on top (one row, arcs between them), the brokers in the
/// middle, the producer at the bottom.
pub struct Topology {
    /// Controller ids, in order.
    pub controllers: Vec<u32>,
    pub brokers: Vec<u32>,
    /// Client names on the bottom row (the producer first, then the consumers).
    pub clients: Vec<String>,
    pub ctrl_y: f64,
    pub broker_y: f64,
    pub client_y: f64,
    /// The SVG's height.
    pub height: f64,
    /// The width of a controller's box.
    pub ctrl_w: f64,
}

impl Topology {
    /// Lays out `controllers` and `brokers`.
    pub fn new(controllers: Vec<u32>, brokers: Vec<u32>, clients: Vec<String>) -> Self {
        let top = if controllers.len() > 1 {
            QUORUM_TOP
        } else {
            0.0
        };
        let ctrl_w = if controllers.len() > 1 {
            let spacing = (W - 160.0) / (controllers.len() - 1) as f64;
            (spacing - 14.0).min(116.0)
        } else {
            128.0
        };
        Topology {
            controllers,
            brokers,
            clients,
            ctrl_y: 34.0 + top,
            broker_y: 124.0 + top,
            client_y: 206.0 + top,
            height: 230.0 + top,
            ctrl_w,
        }
    }

    fn broker_index(&self, addr: &str) -> Option<usize> {
        let id = addr.strip_prefix("broker-")?.parse::<u32>().ok()?;
        self.brokers.iter().position(|b| *b == id)
    }

    /// The index of a controller address (`controller-101`; plain `controller` is the first).
    fn controller_index(&self, addr: &str) -> Option<usize> {
        if addr == "controller" {
            return (!self.controllers.is_empty()).then_some(0);
        }
        let id = addr.strip_prefix("controller-")?.parse::<u32>().ok()?;
        self.controllers.iter().position(|c| *c == id)
    }

    pub fn broker_xy(&self, i: usize) -> (f64, f64) {
        (spread(i, self.brokers.len(), 70.0), self.broker_y)
    }

    /// Where client `i` sits on the bottom row.
    pub fn client_xy(&self, i: usize) -> (f64, f64) {
        (spread(i, self.clients.len(), 60.0), self.client_y)
    }

    /// The width of a client's box: narrower when many share the row.
    pub fn client_w(&self) -> f64 {
        match self.clients.len() {
            0..=3 => 96.0,
            n => ((W - 40.0) / n as f64 - 8.0).max(44.0),
        }
    }

    pub fn controller_xy(&self, i: usize) -> (f64, f64) {
        (spread(i, self.controllers.len(), 80.0), self.ctrl_y)
    }

    /// Where a node address (`broker-2`, `controller-101`, `checkout`) sits.
    pub fn position(&self, addr: &str) -> (f64, f64) {
        if let Some(i) = self.controller_index(addr) {
            return self.controller_xy(i);
        }
        if addr.starts_with("controller") {
            return (W / 2.0, self.ctrl_y);
        }
        if let Some(i) = self.broker_index(addr) {
            return self.broker_xy(i);
        }
        match self.clients.iter().position(|c| c == addr) {
            Some(i) => self.client_xy(i),
            None => (W / 2.0, self.client_y),
        }
    }

    /// The control point of a curved link: between brokers `i < j` it bows downwards (under the
    /// brokers in between), between controllers upwards (over the controllers in between).
    fn control(&self, a: &str, b: &str) -> Option<(f64, f64)> {
        if let (Some(i), Some(j)) = (self.broker_index(a), self.broker_index(b)) {
            if i == j {
                return None;
            }
            let (i, j) = (i.min(j), i.max(j));
            let (x1, y) = self.broker_xy(i);
            let (x2, _) = self.broker_xy(j);
            return Some(((x1 + x2) / 2.0, y + 40.0 * (j - i) as f64));
        }
        if let (Some(i), Some(j)) = (self.controller_index(a), self.controller_index(b)) {
            if i == j {
                return None;
            }
            let (i, j) = (i.min(j), i.max(j));
            let (x1, y) = self.controller_xy(i);
            let (x2, _) = self.controller_xy(j);
            return Some(((x1 + x2) / 2.0, y - 50.0 * (j - i) as f64));
        }
        None
    }

    /// SVG path data of the link between two nodes.
    fn path(&self, a: &str, b: &str) -> String {
        let (x, y) = self.position(a);
        let (x2, y2) = self.position(b);
        match self.control(a, b) {
            Some((cx, cy)) => format!("M{x} {y} Q{cx} {cy} {x2} {y2}"),
            None => format!("M{x} {y} L{x2} {y2}"),
        }
    }

    /// The point a fraction `t` along the link from `from` to `to`.
    pub fn point_on_link(&self, from: &str, to: &str, t: f64) -> (f64, f64) {
        let (fx, fy) = self.position(from);
        let (tx, ty) = self.position(to);
        if let Some((cx, cy)) = self.control(from, to) {
            let u = 1.0 - t;
            return (
                u * u * fx + 2.0 * u * t * cx + t * t * tx,
                u * u * fy + 2.0 * u * t * cy + t * t * ty,
            );
        }
        (fx + (tx - fx) * t, fy + (ty - fy) * t)
    }
}

/// The x of node `i` of `n` spread evenly between the margins.
fn spread(i: usize, n: usize, margin: f64) -> f64 {
    if n <= 1 {
        W / 2.0
    } else {
        margin + (W - 2.0 * margin) * i as f64 / (n - 1) as f64
    }
}

/// A link of the diagram between two named nodes.
struct Link {
    a: String,
    b: String,
    /// SVG path data.
    d: String,
    /// Where its ✂ / ✕ marks go.
    mid: (f64, f64),
    peer: bool,
}

#[derive(Properties, PartialEq)]
pub struct NetworkProps {
    pub lang: Lang,
    /// In flight right now (from the snapshot).
    pub envelopes: Vec<EnvelopeView>,
    /// Seen recently, newest first.
    pub recent: VecDeque<Rc<EnvelopeView>>,
    pub brokers: Vec<BrokerView>,
    /// The controller quorum's voters (role, alive, active).
    pub controllers: Vec<VoterView>,
    pub client: String,
    /// Consumer clients (name, alive), drawn next to the producer.
    #[prop_or_default]
    pub consumers: Vec<(String, bool)>,
    pub now_ms: u64,
    /// Simulated ms per real ms, to glide dots from one tick to the next.
    pub speed: f64,
    /// `snapshot.network.cuts`.
    pub cuts: Vec<(String, String)>,
    /// `snapshot.network.slow`.
    pub slow: Vec<(String, u64)>,
    /// Envelopes the engine reported lost or dropped, newest first.
    pub lost: VecDeque<LostEnvelope>,
    pub playing: bool,
    pub send: Send,
}

/// The network panel: topology with moving envelopes and cuttable links, plus the request list
/// where in-flight envelopes can be held, released or dropped.
#[function_component(Network)]
pub fn network(p: &NetworkProps) -> Html {
    let l = p.lang;
    // Drag from one node to another to cut (or restore) the link between them: the node the
    // drag started on and the pointer's position in SVG units.
    let drag = use_state(|| None::<(String, Option<(f64, f64)>)>);
    // Yew delegates events, so `current_target` is not the SVG: measure it through a ref.
    let svg_ref = use_node_ref();
    let brokers = &p.brokers;
    let in_flight = |id: u64| p.envelopes.iter().find(|e| e.id == id);

    // Links: controller↔broker, client↔broker, broker↔broker. A link is "active" when a recently
    // seen envelope travelled on it.
    let active = |a: &str, b: &str| -> Option<&'static str> {
        p.recent.iter().take(10).find_map(|e| {
            let hit = (e.from == a && e.to == b) || (e.from == b && e.to == a);
            hit.then(|| api_class(&e.api))
        })
    };
    let clients: Vec<String> = std::iter::once(p.client.clone())
        .chain(p.consumers.iter().map(|(n, _)| n.clone()))
        .collect();
    let topo = Topology::new(
        p.controllers.iter().map(|v| v.id).collect(),
        brokers.iter().map(|b| b.id.0).collect(),
        clients.clone(),
    );
    let controllers: Vec<String> = p
        .controllers
        .iter()
        .map(|v| super::quorum::controller_name(v.id))
        .collect();
    let mut links: Vec<Link> = Vec::new();
    let mut link = |a: &str, b: &str, peer: bool| {
        links.push(Link {
            a: a.to_string(),
            b: b.to_string(),
            d: topo.path(a, b),
            mid: topo.point_on_link(a, b, 0.5),
            peer,
        });
    };
    // Controller ↔ controller: the quorum's own traffic (Vote, BeginQuorumEpoch, Fetch).
    for (i, c) in controllers.iter().enumerate() {
        for c2 in controllers.iter().skip(i + 1) {
            link(c, c2, true);
        }
    }
    for (i, b) in brokers.iter().enumerate() {
        let name = b.id.to_string();
        for c in &controllers {
            link(&name, c, false);
        }
        for c in &clients {
            link(&name, c, false);
        }
        for b2 in brokers.iter().skip(i + 1) {
            link(&name, &b2.id.to_string(), true);
        }
    }
    let cut_count = p.cuts.len();
    // Every node's name and where it sits, for ending a drag on the nearest one.
    let node_points: Vec<(String, (f64, f64))> = controllers
        .iter()
        .chain(
            brokers
                .iter()
                .map(|b| b.id.to_string())
                .collect::<Vec<_>>()
                .iter(),
        )
        .chain(clients.iter())
        .map(|n| (n.clone(), topo.position(n)))
        .collect();
    let svg_point = {
        let h = topo.height;
        let svg_ref = svg_ref.clone();
        move |e: &PointerEvent| -> Option<(f64, f64)> {
            let el: web_sys::Element = svg_ref.cast::<web_sys::Element>()?;
            let r = el.get_bounding_client_rect();
            (r.width() > 0.0).then(|| {
                (
                    (e.client_x() as f64 - r.left()) * W / r.width(),
                    (e.client_y() as f64 - r.top()) * h / r.height(),
                )
            })
        }
    };
    let on_drag_move = {
        let drag = drag.clone();
        let svg_point = svg_point.clone();
        Callback::from(move |e: PointerEvent| {
            if let Some((from, _)) = (*drag).clone() {
                drag.set(Some((from, svg_point(&e))));
            }
        })
    };
    let on_drag_end = {
        let drag = drag.clone();
        let send = p.send.clone();
        let cuts = p.cuts.clone();
        let pairs: Vec<(String, String)> =
            links.iter().map(|k| (k.a.clone(), k.b.clone())).collect();
        Callback::from(move |e: PointerEvent| {
            let Some((from, _)) = (*drag).clone() else {
                return;
            };
            drag.set(None);
            let Some((x, y)) = svg_point(&e) else {
                return;
            };
            let nearest = node_points
                .iter()
                .map(|(n, (nx, ny))| (n, (nx - x).powi(2) + (ny - y).powi(2)))
                .filter(|(_, d2)| *d2 < DROP_RADIUS * DROP_RADIUS)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(n, _)| n.clone());
            let Some(to) = nearest.filter(|t| *t != from) else {
                return;
            };
            let linked = pairs
                .iter()
                .any(|(a, b)| (*a == from && *b == to) || (*a == to && *b == from));
            if !linked {
                return;
            }
            let commands = if is_cut(&cuts, &from, &to) {
                restore_link(&cuts, &from, &to)
            } else {
                vec![Command::PartitionNetwork { a: from, b: to }]
            };
            for c in commands {
                send.command(c);
            }
        })
    };
    let on_drag_cancel = {
        let drag = drag.clone();
        Callback::from(move |_: PointerEvent| drag.set(None))
    };
    let on_drag_cancel2 = on_drag_cancel.clone();
    let link_html = links.iter().map(|k| {
        let cut = is_cut(&p.cuts, &k.a, &k.b);
        let cls = classes!(
            "link",
            k.peer.then_some("peer"),
            cut.then_some("cut"),
            (!cut).then(|| active(&k.a, &k.b).map(|c| vec!["active", c])).flatten()
        );
        let label = if cut {
            format!("{} {} {} {}", l.t("Restore the network between", "恢复网络连接："), k.a, l.t("and", "与"), k.b)
        } else {
            format!("{} {} {} {}", l.t("Cut the network between", "切断网络连接："), k.a, l.t("and", "与"), k.b)
        };
        let commands = if cut {
            restore_link(&p.cuts, &k.a, &k.b)
        } else {
            vec![Command::PartitionNetwork { a: k.a.clone(), b: k.b.clone() }]
        };
        let fire = {
            let send = p.send.clone();
            Rc::new(move || {
                for c in commands.iter().cloned() {
                    send.command(c);
                }
            })
        };
        let onclick = {
            let fire = fire.clone();
            Callback::from(move |_: MouseEvent| fire())
        };
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                fire();
            }
        });
        let (mx, my) = k.mid;
        html! {
            <g class={classes!("link-hit", cut.then_some("is-cut"))} role="button" tabindex="0"
                aria-label={label.clone()} aria-pressed={cut.to_string()}
                data-testid={format!("link-{}-{}", k.a, k.b)} {onclick} {onkeydown}>
                <title>{ label }</title>
                <path class="hit" d={k.d.clone()} />
                <path class={cls} d={k.d.clone()} />
                if cut {
                    <g class="cut-mark" transform={format!("translate({mx:.1},{my:.1})")} aria-hidden="true">
                        <circle r="9" />
                        <text text-anchor="middle" dy="4">{ "✂" }</text>
                    </g>
                }
            </g>
        }
    });

    // Where the engine reported an envelope lost on a cut link: a brief ✕ on that link.
    let lost_marks = p
        .lost
        .iter()
        .filter(|x| !x.dropped && x.at_ms + LOST_MARK_MS >= p.now_ms && x.at_ms <= p.now_ms)
        .take(6)
        .map(|x| {
            let (mx, my) = topo.point_on_link(&x.from, &x.to, 0.62);
            html! {
                <g key={x.id} class="lost-mark" transform={format!("translate({mx:.1},{my:.1})")}>
                    <text text-anchor="middle" dy="5">{ "✕" }</text>
                    <title>{ format!("#{} {} {} → {}: {}", x.id, x.api, x.from, x.to, l.t("lost on a cut link", "在断开的链路上丢失")) }</title>
                </g>
            }
        });

    // One tick lasts 1/speed real ms; a dot glides over that time (no glide under reduced motion).
    let glide_ms = (1.0 / p.speed.max(0.001)).clamp(50.0, 1000.0);
    let dots = p.envelopes.iter().map(|e| {
        let span = e.deliver_at_ms.saturating_sub(e.sent_at_ms).max(1) as f64;
        // A held envelope is parked halfway along its link until it is released or dropped.
        let t = if e.held {
            0.5
        } else {
            (p.now_ms.saturating_sub(e.sent_at_ms) as f64 / span).clamp(0.0, 1.0)
        };
        let (x, y) = topo.point_on_link(&e.from, &e.to, t);
        html! {
            <g key={e.id} class={classes!("dot", api_class(&e.api), e.held.then_some("held"))} style={format!("transform:translate({x:.1}px,{y:.1}px);transition-duration:{glide_ms:.0}ms")}>
                <circle r={if e.held { "8" } else { "6" }} />
                if e.held {
                    <path class="pause" d="M-2.5 -3.5v7M2.5 -3.5v7" />
                }
                <title>{ format!("#{} {} {} → {}: {}{}", e.id, e.api, e.from, e.to, e.summary, if e.held { l.t(" (held)", "（已扣留）") } else { "" }) }</title>
            </g>
        }
    });

    let slow_of = |name: &str| p.slow.iter().find(|(n, _)| n == name).map(|(_, ms)| *ms);
    // A node whose every drawn link is cut is drawn cut off (dashed red outline).
    let cut_off = |name: &str| {
        let mine: Vec<&Link> = links
            .iter()
            .filter(|k| k.a == name || k.b == name)
            .collect();
        !mine.is_empty() && mine.iter().all(|k| is_cut(&p.cuts, &k.a, &k.b))
    };
    let node = |x: f64,
                y: f64,
                label: String,
                cls: &'static str,
                w: f64,
                slow: Option<u64>,
                tip: Option<String>| {
        let isolated = cut_off(&label);
        let onpointerdown = {
            let drag = drag.clone();
            let name = label.clone();
            Callback::from(move |e: PointerEvent| {
                if e.button() == 0 {
                    e.prevent_default();
                    drag.set(Some((name.clone(), None)));
                }
            })
        };
        html! {
            <g class={classes!("node", cls, isolated.then_some("n-isolated"), drag.as_ref().is_some_and(|(f, _)| *f == label).then_some("n-drag"))}
                transform={format!("translate({x},{y})")} data-node={label.clone()} {onpointerdown}>
                if let Some(tip) = tip {
                    <title>{ tip }</title>
                }
                <rect x={(-w / 2.0).to_string()} y="-15" width={w.to_string()} height="30" rx="8" />
                <text text-anchor="middle" dy="4">{ label }</text>
                if let Some(ms) = slow {
                    <g class="slow-badge" transform="translate(0,-22)">
                        <rect x="-26" y="-8" width="52" height="15" rx="7" />
                        <text text-anchor="middle" dy="3">{ format!("+{ms} ms") }</text>
                    </g>
                }
            </g>
        }
    };

    // The list: held envelopes always (they wait for the learner), then the most recent ones.
    let held: Vec<Rc<EnvelopeView>> = p
        .envelopes
        .iter()
        .filter(|e| e.held)
        .map(|e| Rc::new(e.clone()))
        .collect();
    let rows: Vec<Rc<EnvelopeView>> = held
        .iter()
        .cloned()
        .chain(
            p.recent
                .iter()
                .filter(|e| !held.iter().any(|h| h.id == e.id))
                .take(SHOWN)
                .cloned(),
        )
        .collect();
    let lost_of = |id: u64| p.lost.iter().find(|x| x.id == id);
    let heal = {
        let send = p.send.clone();
        Callback::from(move |_| send.command(Command::HealNetwork))
    };
    let row = |e: &Rc<EnvelopeView>| {
        let live = in_flight(e.id);
        let is_held = live.is_some_and(|x| x.held);
        let flying = live.is_some() && !is_held;
        let lost = lost_of(e.id);
        let id = e.id;
        let cmd = |c: fn(u64) -> Command| {
            let send = p.send.clone();
            Callback::from(move |_| send.command(c(id)))
        };
        let state = match (lost, is_held, flying) {
            (Some(x), _, _) if x.dropped => {
                html! { <span class="env-pill bad">{ l.t("dropped", "已丢弃") }</span> }
            }
            (Some(_), _, _) => {
                html! { <span class="env-pill bad" title={l.t("The envelope was sent over a cut link and silently lost: the sender only finds out when its timeout expires (request.timeout.ms, replica.socket.timeout.ms: 30 s).", "该请求经过断开的链路而被悄悄丢失：发送方只能在超时后得知（request.timeout.ms、replica.socket.timeout.ms：30 秒）。")}>{ l.t("lost on a cut link", "在断开的链路上丢失") }</span> }
            }
            (None, true, _) => {
                html! { <span class="env-pill warn">{ l.t("held", "已扣留") }</span> }
            }
            (None, false, true) => html! { <>{ l.t("in flight", "在途") }</> },
            _ => html! { <>{ format!("{} ms", e.deliver_at_ms) }</> },
        };
        let show_actions = (is_held || (flying && !p.playing)) && lost.is_none();
        html! {
            <li key={e.id} class={classes!("envelope", flying.then_some("flying"), is_held.then_some("held"), lost.map(|_| "lost"))}
                data-testid={format!("envelope-{}", e.id)}>
                <span class={classes!("api", api_class(&e.api))}>{ e.api.clone() }</span>
                <span class="route mono">
                    { e.from.clone() }<span class="arrow" aria-hidden="true">{ " → " }</span>
                    <span class="sr-only">{ l.t(" to ", " 发往 ") }</span>{ e.to.clone() }
                </span>
                <span class="env-summary" title={e.summary.clone()}>{ format!("#{} · {}", e.id, e.summary) }</span>
                <span class="env-state small">{ state }</span>
                if show_actions {
                    <span class="env-actions">
                        if is_held {
                            <button class="btn small" onclick={cmd(|id| Command::ReleaseEnvelope { id })}
                                data-testid={format!("release-{id}")}
                                title={l.t("Deliver it on the next tick", "在下一个 tick 送达")}
                                aria-label={format!("{} #{id} {}", l.t("Release envelope", "放行请求"), e.api)}>{ l.t("Release", "放行") }</button>
                        } else {
                            <button class="btn small" onclick={cmd(|id| Command::HoldEnvelope { id })}
                                data-testid={format!("hold-{id}")}
                                title={l.t("Park it on its link until you release it: the sender keeps waiting, like a stalled TCP connection", "把它停在链路上直到放行：发送方一直等待，就像卡住的 TCP 连接")}
                                aria-label={format!("{} #{id} {}", l.t("Hold envelope", "扣留请求"), e.api)}>{ l.t("Hold", "扣留") }</button>
                        }
                        <button class="btn small danger" onclick={cmd(|id| Command::DropEnvelope { id })}
                            data-testid={format!("drop-{id}")}
                            title={l.t("Never deliver it: the sender only notices by timeout", "永不送达：发送方只能通过超时发现")}
                            aria-label={format!("{} #{id} {}", l.t("Drop envelope", "丢弃请求"), e.api)}>{ l.t("Drop", "丢弃") }</button>
                    </span>
                }
            </li>
        }
    };
    let hint = if p.playing {
        l.t(
            "Pause to hold or drop a request: network latency is 2–6 ms.",
            "暂停后可扣留或丢弃请求：网络延迟只有 2–6 ms。",
        )
    } else if !held.is_empty() && p.envelopes.iter().all(|e| e.held) {
        l.t(
            "Paused: the held request waits on its link — release or drop it, or press “Step” for more traffic.",
            "已暂停：被扣留的请求停在链路上 —— 放行或丢弃它，或点“单步”产生更多流量。",
        )
    } else if p.envelopes.iter().any(|e| !e.held) {
        l.t(
            "Paused: hold or drop a request in flight.",
            "已暂停：可扣留或丢弃在途请求。",
        )
    } else {
        l.t(
            "Paused, nothing in flight: press “Step” until a request is on the wire.",
            "已暂停，没有在途请求：点“单步”直到有请求在路上。",
        )
    };

    html! {
        <section class="panel o-net" aria-labelledby="net-h" data-testid="in-flight">
            <div class="panel-head">
                <h2 id="net-h">{ l.t("On the wire", "网络") }</h2>
                <span class="panel-note">
                    { format!("{} ", p.envelopes.len()) }{ l.t("in flight now · network latency is 2–6 ms: set speed to 0.001× to watch envelopes travel", "个请求在途 · 网络延迟为 2–6 ms：把速度调到 0.001× 可看到请求移动") }
                </span>
                <button class="btn small heal" onclick={heal} disabled={cut_count == 0} data-testid="heal-network"
                    title={l.t("Remove every network cut (HealNetwork)", "移除所有网络切断（HealNetwork）")}>
                    { l.t("Heal network", "恢复网络") }
                    if cut_count > 0 { <span class="count" data-testid="cut-count">{ cut_count }</span> }
                </button>
            </div>
            <p class="net-help small muted">
                { l.t("Click a link, press Enter on it, or drag from one node to another to cut it. A cut loses envelopes silently, like a real network partition: senders only find out by timeouts — request.timeout.ms (30 s) for producers, replica.socket.timeout.ms (30 s) for follower fetches, broker.session.timeout.ms (9 s) before the controller fences a broker.",
                    "点击连线、聚焦后按 Enter，或从一个节点拖到另一个节点，即可切断。切断的链路会悄悄丢失请求，就像真实的网络分区：发送方只能靠超时发现 —— producer 为 request.timeout.ms（30 秒），follower 拉取为 replica.socket.timeout.ms（30 秒），controller 在 broker.session.timeout.ms（9 秒）后隔离 broker。") }
            </p>
            <div class="net">
                <div class="net-diagram">
                <svg class={classes!("topology", (p.controllers.len() > 1).then_some("quorum"), drag.is_some().then_some("dragging"))} viewBox={format!("0 0 {W} {}", topo.height)} role="group"
                    ref={svg_ref} onpointermove={on_drag_move} onpointerup={on_drag_end} onpointerleave={on_drag_cancel} onpointercancel={on_drag_cancel2}
                    aria-label={l.t("Network diagram: the controllers, the brokers and the producer, with requests in flight; each link can be cut", "网络示意图：controller、各 broker 与 producer，以及在途请求；每条连线都可以切断")}>
                    { for link_html }
                    // Dots go under the nodes: an envelope "leaves" its sender and "enters" its receiver.
                    { for dots }
                    { for lost_marks }
                    { for p.controllers.iter().enumerate().map(|(i, v)| {
                        let (x, y) = topo.controller_xy(i);
                        let cls = if !v.alive { "n-down" } else if v.active { "n-ctrl" } else { "n-standby" };
                        let name = super::quorum::controller_name(v.id);
                        let state = if !v.alive {
                            l.t("down", "宕机").to_string()
                        } else if v.active {
                            l.t("active controller", "活跃 controller").to_string()
                        } else {
                            v.role.clone().unwrap_or_default()
                        };
                        let tip = format!("{name} · {state} · epoch {}", v.epoch);
                        node(x, y, name.clone(), cls, topo.ctrl_w, slow_of(&name), Some(tip))
                    }) }
                    { for brokers.iter().enumerate().map(|(i, b)| {
                        let (x, y) = topo.broker_xy(i);
                        let cls = if !b.alive { "n-down" } else if b.fenced { "n-fenced" } else { "n-up" };
                        let name = b.id.to_string();
                        node(x, y, name.clone(), cls, 86.0, slow_of(&name), None)
                    }) }
                    { for clients.iter().enumerate().map(|(i, c)| {
                        let (x, y) = topo.client_xy(i);
                        let down = p.consumers.iter().any(|(n, alive)| n == c && !*alive);
                        let cls = if down { "n-down" } else if i == 0 { "n-client" } else { "n-consumer" };
                        node(x, y, c.clone(), cls, topo.client_w(), slow_of(c), None)
                    }) }
                    if let Some((from, (x2, y2))) = drag.as_ref().and_then(|(f, pt)| pt.map(|pt| (f.clone(), pt))) {
                        <line class="drag-cut" x1={format!("{:.1}", topo.position(&from).0)} y1={format!("{:.1}", topo.position(&from).1)}
                            x2={format!("{x2:.1}")} y2={format!("{y2:.1}")} aria-hidden="true" />
                    }
                </svg>
                <ul class="net-legend" aria-label={l.t("Legend", "图例")}>
                    if p.controllers.len() > 1 {
                        <li><span class="lg-active" aria-hidden="true"></span>{ l.t("active controller", "活跃 controller") }</li>
                    }
                    <li><span class="lg-cut" aria-hidden="true">{ "- ✂ -" }</span>{ l.t("cut link (click to restore)", "已切断（点击恢复）") }</li>
                    <li><span class="lg-lost" aria-hidden="true">{ "✕" }</span>{ l.t("envelope lost", "请求丢失") }</li>
                    <li><span class="lg-held" aria-hidden="true"></span>{ l.t("held", "已扣留") }</li>
                    <li><span class="lg-slow" aria-hidden="true">{ "+ms" }</span>{ l.t("slowed node", "变慢的节点") }</li>
                </ul>
                </div>
                <div class="net-list">
                    <h3 class="small muted">{ l.t("Recent requests", "最近的请求") }</h3>
                    <p class={classes!("hold-hint", "small", (!p.playing).then_some("paused"))} data-testid="hold-hint">{ hint }</p>
                    if rows.is_empty() {
                        <p class="empty">{ l.t("No traffic yet.", "还没有流量。") }</p>
                    } else {
                        <ul class="envelopes">
                            { for rows.iter().map(row) }
                        </ul>
                    }
                    if !p.lost.is_empty() {
                        <h3 class="small muted lost-h">{ l.t("Lost and dropped", "丢失与丢弃") }</h3>
                        <ul class="lost-list" data-testid="lost-list">
                            { for p.lost.iter().take(4).map(|x| html! {
                                <li key={x.id}>
                                    <span class="lost-x" aria-hidden="true">{ "✕" }</span>
                                    <span class="mono lost-what" title={format!("#{} {} {} → {}", x.id, x.api, x.from, x.to)}>{ format!("{} {} → {}", x.api, x.from, x.to) }</span>
                                    <span class="lost-when">{ format!("#{} · {:.3} s · ", x.id, x.at_ms as f64 / 1000.0) }
                                        { if x.dropped { l.t("dropped by you", "被你丢弃") } else { l.t("lost on a cut link", "在断开的链路上丢失") } }
                                    </span>
                                </li>
                            }) }
                        </ul>
                    }
                </div>
            </div>
        </section>
    }
}
