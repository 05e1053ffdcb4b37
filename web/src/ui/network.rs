//! RPCs on the wire: every in-flight envelope with its Kafka API name and delivery progress.

use crate::i18n::Lang;
use kplay_engine::snapshot::EnvelopeView;
use yew::prelude::*;

/// How many envelopes the list shows.
const SHOWN: usize = 10;

fn api_class(api: &str) -> &'static str {
    let base = api.trim_end_matches("Response");
    match base {
        "Produce" => "api-produce",
        "Fetch" => "api-fetch",
        "AlterPartition" => "api-alter",
        "BrokerHeartbeat" | "BrokerRegistration" => "api-heartbeat",
        "MetadataUpdate" => "api-metadata",
        _ => "api-other",
    }
}

#[derive(Properties, PartialEq)]
pub struct InFlightProps {
    pub lang: Lang,
    pub envelopes: Vec<EnvelopeView>,
    pub now_ms: u64,
}

/// The live list of envelopes in flight.
#[function_component(InFlight)]
pub fn in_flight(p: &InFlightProps) -> Html {
    let l = p.lang;
    let mut list: Vec<&EnvelopeView> = p.envelopes.iter().collect();
    list.sort_by_key(|e| (e.deliver_at_ms, e.id));
    let more = list.len().saturating_sub(SHOWN);
    html! {
        <section class="panel" aria-labelledby="net-h" data-testid="in-flight">
            <div class="panel-head">
                <h2 id="net-h">{ l.t("On the wire", "网络中的请求") }</h2>
                <span class="panel-note">
                    { format!("{} ", p.envelopes.len()) }{ l.t("in flight · slow down to watch them", "个在途 · 调慢速度可以观察") }
                </span>
            </div>
            if list.is_empty() {
                <p class="empty">{ l.t("Nothing in flight at this instant.", "此刻没有在途请求。") }</p>
            } else {
                <ul class="envelopes">
                    { for list.iter().take(SHOWN).map(|e| {
                        let span = e.deliver_at_ms.saturating_sub(e.sent_at_ms).max(1);
                        let done = p.now_ms.saturating_sub(e.sent_at_ms).min(span);
                        let pct = done * 100 / span;
                        html! {
                            <li key={e.id} class="envelope">
                                <span class={classes!("api", api_class(&e.api))}>{ e.api.clone() }</span>
                                <span class="route mono">{ e.from.clone() }<span class="arrow" aria-hidden="true">{ " → " }</span><span class="sr-only">{ l.t(" to ", " 发往 ") }</span>{ e.to.clone() }</span>
                                <span class="env-summary" title={e.summary.clone()}>{ e.summary.clone() }</span>
                                <span class="env-progress" aria-hidden="true"><span style={format!("width:{pct}%")}></span></span>
                                <span class="mono small muted">{ format!("{}→{} ms", e.sent_at_ms, e.deliver_at_ms) }</span>
                            </li>
                        }
                    }) }
                </ul>
                if more > 0 {
                    <p class="muted small">{ format!("+{more} ") }{ l.t("more", "个更多") }</p>
                }
            }
        </section>
    }
}
