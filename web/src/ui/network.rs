//! RPCs on the wire: a small topology (controller, brokers, client) with every in-flight envelope
//! drawn as a dot on its link, and the list of recently seen envelopes with their Kafka API names.

use crate::i18n::Lang;
use kplay_engine::snapshot::{BrokerView, EnvelopeView};
use std::collections::VecDeque;
use std::rc::Rc;
use yew::prelude::*;

/// How many envelopes the list shows.
const SHOWN: usize = 8;

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

/// Where a node address (`broker-2`, `controller-100`, `checkout`) sits in the diagram.
fn position(addr: &str, brokers: &[BrokerView]) -> (f64, f64) {
    if addr.starts_with("controller") {
        return (W / 2.0, CONTROLLER_Y);
    }
    if let Some(id) = addr
        .strip_prefix("broker-")
        .and_then(|n| n.parse::<u32>().ok())
    {
        if let Some(i) = brokers.iter().position(|b| b.id.0 == id) {
            return broker_xy(i, brokers.len());
        }
    }
    (W / 2.0, CLIENT_Y)
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
            // Broker-to-broker links bow downwards so they do not overlap.
            let mid_y = y + 26.0 * (j - i) as f64;
            let d = format!("M{x} {y} Q{} {mid_y} {x2} {y2}", (x + x2) / 2.0);
            links.push(html! { <path class={cls} d={d} /> });
        }
    }

    let dots = p.envelopes.iter().map(|e| {
        let (fx, fy) = position(&e.from, brokers);
        let (tx, ty) = position(&e.to, brokers);
        let span = e.deliver_at_ms.saturating_sub(e.sent_at_ms).max(1) as f64;
        let t = (p.now_ms.saturating_sub(e.sent_at_ms) as f64 / span).clamp(0.0, 1.0);
        let (x, y) = (fx + (tx - fx) * t, fy + (ty - fy) * t);
        html! {
            <g key={e.id} class={classes!("dot", api_class(&e.api))} style={format!("transform:translate({x:.1}px,{y:.1}px)")}>
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
                    { format!("{} ", p.envelopes.len()) }{ l.t("in flight now · lower the speed to watch envelopes travel", "个请求在途 · 调低速度可看到请求移动") }
                </span>
            </div>
            <div class="net">
                <svg class="topology" viewBox={format!("0 0 {W} 230")} role="img"
                    aria-label={l.t("Network diagram: the controller, the brokers and the producer, with requests in flight", "网络示意图：controller、各 broker 与 producer，以及在途请求")}>
                    { for links }
                    { node(W / 2.0, CONTROLLER_Y, controller.clone(), "n-ctrl", 128.0) }
                    { for brokers.iter().enumerate().map(|(i, b)| {
                        let (x, y) = broker_xy(i, n);
                        let cls = if !b.alive { "n-down" } else if b.fenced { "n-fenced" } else { "n-up" };
                        node(x, y, b.id.to_string(), cls, 86.0)
                    }) }
                    { node(W / 2.0, CLIENT_Y, p.client.clone(), "n-client", 96.0) }
                    { for dots }
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
