//! RPCs on the wire: a small topology (controller, brokers, client) with every in-flight envelope
//! drawn as a dot on its link, and the list of recently seen envelopes with their Kafka API names.

use crate::i18n::Lang;
use kplay_engine::snapshot::{BrokerView, EnvelopeView};
use std::collections::VecDeque;
use std::rc::Rc;
use yew::prelude::*;

/// How many envelopes the list shows.
const SHOWN: usize = 7;

const W: f64 = 420.0;
const CONTROLLER_Y: f64 = 34.0;
const BROKER_Y: f64 = 124.0;
const CLIENT_Y: f64 = 206.0;

fn api_class(api: &str) -> &'static str {
    match api.trim_end_matches("Response") {
        "Produce" => "api-produce",
        "Fetch" => "api-fetch",
        "AlterPartition" => "api-alter",
        "BrokerHeartbeat" | "BrokerRegistration" => "api-heartbeat",
        "MetadataUpdate" => "api-metadata",
        _ => "api-other",
    }
}

/// The index of a broker address (`broker-2`) among the brokers.
fn broker_index(addr: &str, brokers: &[BrokerView]) -> Option<usize> {
    let id = addr.strip_prefix("broker-")?.parse::<u32>().ok()?;
    brokers.iter().position(|b| b.id.0 == id)
}

/// Where a node address (`broker-2`, `controller-100`, `checkout`) sits in the diagram.
fn position(addr: &str, brokers: &[BrokerView]) -> (f64, f64) {
    if addr.starts_with("controller") {
        return (W / 2.0, CONTROLLER_Y);
    }
    match broker_index(addr, brokers) {
        Some(i) => broker_xy(i, brokers.len()),
        None => (W / 2.0, CLIENT_Y),
    }
}

/// The control point of the curved link between brokers `i < j`: it bows downwards so a link
/// between distant brokers passes under the ones in between.
fn peer_control(i: usize, j: usize, n: usize) -> (f64, f64) {
    let (x1, y) = broker_xy(i, n);
    let (x2, _) = broker_xy(j, n);
    ((x1 + x2) / 2.0, y + 40.0 * (j - i) as f64)
}

/// The point a fraction `t` along the link from `from` to `to` (straight, or the broker curve).
fn point_on_link(from: &str, to: &str, t: f64, brokers: &[BrokerView]) -> (f64, f64) {
    let (fx, fy) = position(from, brokers);
    let (tx, ty) = position(to, brokers);
    if let (Some(i), Some(j)) = (broker_index(from, brokers), broker_index(to, brokers)) {
        if i != j {
            let (cx, cy) = peer_control(i.min(j), i.max(j), brokers.len());
            let u = 1.0 - t;
            return (
                u * u * fx + 2.0 * u * t * cx + t * t * tx,
                u * u * fy + 2.0 * u * t * cy + t * t * ty,
            );
        }
    }
    (fx + (tx - fx) * t, fy + (ty - fy) * t)
}

fn broker_xy(i: usize, n: usize) -> (f64, f64) {
    let margin = 70.0;
    let span = W - 2.0 * margin;
    let x = if n <= 1 {
        W / 2.0
    } else {
        margin + span * i as f64 / (n - 1) as f64
    };
    (x, BROKER_Y)
}

#[derive(Properties, PartialEq)]
pub struct NetworkProps {
    pub lang: Lang,
    /// In flight right now (from the snapshot).
    pub envelopes: Vec<EnvelopeView>,
    /// Seen recently, newest first.
    pub recent: VecDeque<Rc<EnvelopeView>>,
    pub brokers: Vec<BrokerView>,
    pub controller_id: u32,
    pub client: String,
    pub now_ms: u64,
    /// Simulated ms per real ms, to glide dots from one tick to the next.
    pub speed: f64,
}

/// The network panel: topology with moving envelopes, plus the recent-RPC list.
#[function_component(Network)]
pub fn network(p: &NetworkProps) -> Html {
    let l = p.lang;
    let brokers = &p.brokers;
    let n = brokers.len();
    let in_flight = |id: u64| p.envelopes.iter().any(|e| e.id == id);

    // Links: controller↔broker, client↔broker, broker↔broker. A link is "active" when a recently
    // seen envelope travelled on it.
    let active = |a: &str, b: &str| -> Option<&'static str> {
        p.recent.iter().take(10).find_map(|e| {
            let hit = (e.from == a && e.to == b) || (e.from == b && e.to == a);
            hit.then(|| api_class(&e.api))
        })
    };
    let controller = format!("controller-{}", p.controller_id);
    let mut links: Vec<Html> = Vec::new();
    for (i, b) in brokers.iter().enumerate() {
        let (x, y) = broker_xy(i, n);
        let name = b.id.to_string();
        for (other, (ox, oy)) in [
            (controller.clone(), (W / 2.0, CONTROLLER_Y)),
            (p.client.clone(), (W / 2.0, CLIENT_Y)),
        ] {
            let cls = classes!("link", active(&name, &other).map(|c| vec!["active", c]));
            links.push(html! { <line class={cls} x1={x.to_string()} y1={y.to_string()} x2={ox.to_string()} y2={oy.to_string()} /> });
        }
        for (j, b2) in brokers.iter().enumerate().skip(i + 1) {
            let (x2, y2) = broker_xy(j, n);
            let cls = classes!(
                "link",
                "peer",
                active(&name, &b2.id.to_string()).map(|c| vec!["active", c])
            );
            let (cx, cy) = peer_control(i, j, n);
            let d = format!("M{x} {y} Q{cx} {cy} {x2} {y2}");
            links.push(html! { <path class={cls} d={d} /> });
        }
    }

    // One tick lasts 1/speed real ms; a dot glides over that time (no glide under reduced motion).
    let glide_ms = (1.0 / p.speed.max(0.001)).clamp(50.0, 1000.0);
    let dots = p.envelopes.iter().map(|e| {
        let span = e.deliver_at_ms.saturating_sub(e.sent_at_ms).max(1) as f64;
        let t = (p.now_ms.saturating_sub(e.sent_at_ms) as f64 / span).clamp(0.0, 1.0);
        let (x, y) = point_on_link(&e.from, &e.to, t, brokers);
        html! {
            <g key={e.id} class={classes!("dot", api_class(&e.api))} style={format!("transform:translate({x:.1}px,{y:.1}px);transition-duration:{glide_ms:.0}ms")}>
                <circle r="6" />
                <title>{ format!("{} {} → {}: {}", e.api, e.from, e.to, e.summary) }</title>
            </g>
        }
    });

    let node = |x: f64, y: f64, label: String, cls: &'static str, w: f64| {
        html! {
            <g class={classes!("node", cls)} transform={format!("translate({x},{y})")}>
                <rect x={(-w / 2.0).to_string()} y="-15" width={w.to_string()} height="30" rx="8" />
                <text text-anchor="middle" dy="4">{ label }</text>
            </g>
        }
    };

    html! {
        <section class="panel o-net" aria-labelledby="net-h" data-testid="in-flight">
            <div class="panel-head">
                <h2 id="net-h">{ l.t("On the wire", "网络") }</h2>
                <span class="panel-note">
                    { format!("{} ", p.envelopes.len()) }{ l.t("in flight now · network latency is 2–6 ms: set speed to 0.001× to watch envelopes travel", "个请求在途 · 网络延迟为 2–6 ms：把速度调到 0.001× 可看到请求移动") }
                </span>
            </div>
            <div class="net">
                <svg class="topology" viewBox={format!("0 0 {W} 230")} role="img"
                    aria-label={l.t("Network diagram: the controller, the brokers and the producer, with requests in flight", "网络示意图：controller、各 broker 与 producer，以及在途请求")}>
                    { for links }
                    // Dots go under the nodes: an envelope "leaves" its sender and "enters" its receiver.
                    { for dots }
                    { node(W / 2.0, CONTROLLER_Y, controller.clone(), "n-ctrl", 128.0) }
                    { for brokers.iter().enumerate().map(|(i, b)| {
                        let (x, y) = broker_xy(i, n);
                        let cls = if !b.alive { "n-down" } else if b.fenced { "n-fenced" } else { "n-up" };
                        node(x, y, b.id.to_string(), cls, 86.0)
                    }) }
                    { node(W / 2.0, CLIENT_Y, p.client.clone(), "n-client", 96.0) }
                </svg>
                <div class="net-list">
                    <h3 class="small muted">{ l.t("Recent requests", "最近的请求") }</h3>
                    if p.recent.is_empty() {
                        <p class="empty">{ l.t("No traffic yet.", "还没有流量。") }</p>
                    } else {
                        <ul class="envelopes">
                            { for p.recent.iter().take(SHOWN).map(|e| {
                                let flying = in_flight(e.id);
                                html! {
                                    <li key={e.id} class={classes!("envelope", flying.then_some("flying"))}>
                                        <span class={classes!("api", api_class(&e.api))}>{ e.api.clone() }</span>
                                        <span class="route mono">
                                            { e.from.clone() }<span class="arrow" aria-hidden="true">{ " → " }</span>
                                            <span class="sr-only">{ l.t(" to ", " 发往 ") }</span>{ e.to.clone() }
                                        </span>
                                        <span class="env-summary" title={e.summary.clone()}>{ e.summary.clone() }</span>
                                        <span class="env-state small">
                                            if flying { { l.t("in flight", "在途") } } else { { format!("{} ms", e.deliver_at_ms) } }
                                        </span>
                                    </li>
                                }
                            }) }
                        </ul>
                    }
                </div>
            </div>
        </section>
    }
}
