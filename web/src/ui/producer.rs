//! The producer panel (acks, min.insync.replicas, key, Produce) and the produce results list.

use super::Send;
use crate::demo::{self, Preset};
use crate::i18n::Lang;
use crate::link;
use crate::protocol::Op;
use kplay_engine::config::ConfigScope;
use kplay_engine::events::ProduceOutcome;
use kplay_engine::snapshot::{ProduceView, ProducerView, TopicView};
use kplay_engine::Command;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProducerPanelProps {
    pub lang: Lang,
    pub preset: Preset,
    pub topic: Option<TopicView>,
    pub producers: Vec<ProducerView>,
    /// How many records this timeline has produced so far (numbers the next record's value).
    pub produced: usize,
    /// Records of a stream still to be sent (scheduled for later), while one is under way.
    pub stream_left: usize,
    pub send: Send,
    /// The fields an embed exposes (`acks`, `min.insync.replicas`, `key`, `produce`, `stream`);
    /// `None` (the sandbox): all of them.
    #[prop_or_default]
    pub only: Option<Vec<String>>,
}

fn select_value(e: &Event) -> Option<String> {
    e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value())
}

/// Producer settings and the Produce button.
#[function_component(ProducerPanel)]
pub fn producer_panel(p: &ProducerPanelProps) -> Html {
    let l = p.lang;
    let key = use_state(String::new);
    let producer = p.producers.iter().find(|x| x.name == demo::PRODUCER);
    let acks = producer
        .map(|x| x.acks.to_string())
        .unwrap_or_else(|| "all".to_string());
    let topic_name = p.preset.topic().to_string();
    let min_isr = p.topic.as_ref().map(|t| t.min_insync_replicas).unwrap_or(1);

    let on_acks = {
        let send = p.send.clone();
        Callback::from(move |e: Event| {
            if let Some(v) = select_value(&e) {
                send.command(demo::set_acks(&v));
            }
        })
    };
    let on_min_isr = {
        let send = p.send.clone();
        let topic = topic_name.clone();
        Callback::from(move |e: Event| {
            if let Some(v) = select_value(&e) {
                send.command(Command::AlterTopicConfig {
                    topic: topic.clone(),
                    key: "min.insync.replicas".to_string(),
                    value: v,
                });
            }
        })
    };
    let on_key = {
        let key = key.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                // Keys stay URL-safe so every run can be shared as a link.
                let clean: String = input
                    .value()
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .take(40)
                    .collect();
                if clean != input.value() {
                    input.set_value(&clean);
                }
                key.set(clean);
            }
        })
    };
    // While a stream is under way its records are numbered already: a record sent in between
    // would take a number a link gives to the stream, so both buttons wait for it to finish.
    let streaming = p.stream_left > 0;
    let on_produce = {
        let send = p.send.clone();
        let key = key.clone();
        let preset = p.preset;
        let n = p.produced + 1;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if streaming {
                return;
            }
            let k = key.trim();
            let k = (!k.is_empty()).then_some(k);
            send.command(demo::produce(preset, k, &link::record_value(preset, n)));
        })
    };
    let on_stream = {
        let send = p.send.clone();
        let preset = p.preset;
        let produced = p.produced;
        Callback::from(move |_| {
            if !streaming {
                send.op.emit(Op::Schedule {
                    commands: link::stream(preset, produced),
                });
            }
        })
    };
    let sent = (link::STREAM_RECORDS as usize).saturating_sub(p.stream_left);
    let shows = |c: &str| p.only.as_ref().is_none_or(|o| o.iter().any(|x| x == c));
    let acks_doc = l.config_doc(ConfigScope::Producer, "acks");
    let min_isr_doc = l.config_doc(ConfigScope::Topic, "min.insync.replicas");
    html! {
        <section class="panel producer o-producer" aria-labelledby="producer-h">
            <div class="panel-head">
                <h2 id="producer-h">{ l.t("Producer", "生产者") }</h2>
                <span class="panel-note mono">{ format!("{} → {}", demo::PRODUCER, topic_name) }</span>
            </div>
            <form class="producer-form" onsubmit={on_produce}>
                if shows("acks") {
                <div class="field">
                    <label for="acks-select" class="mono">{ "acks" }</label>
                    <select id="acks-select" data-testid="acks-select" onchange={on_acks}
                        title={acks_doc} aria-describedby="acks-doc">
                        { for ["0", "1", "all"].iter().map(|v| html! {
                            <option value={*v} selected={acks == *v}>{ *v }</option>
                        }) }
                    </select>
                    <p id="acks-doc" class="help">{ acks_doc }</p>
                </div>
                }
                if shows("min.insync.replicas") {
                <div class="field">
                    <label for="min-isr-select" class="mono">{ "min.insync.replicas" }</label>
                    <select id="min-isr-select" data-testid="min-isr-select" onchange={on_min_isr}
                        title={min_isr_doc} aria-describedby="min-isr-doc" disabled={p.topic.is_none()}>
                        { for (1..=3u32).map(|v| html! {
                            <option value={v.to_string()} selected={min_isr == v}>{ v }</option>
                        }) }
                    </select>
                    <p id="min-isr-doc" class="help">{ min_isr_doc }</p>
                </div>
                }
                if shows("key") {
                <div class="field">
                    <label for="key-input">{ l.t("Record key (optional)", "消息 key（可选）") }</label>
                    <input id="key-input" type="text" placeholder="user-42" value={(*key).clone()} oninput={on_key}
                        data-testid="key-input" autocomplete="off" maxlength="40" aria-describedby="key-doc" />
                    <p id="key-doc" class="help">{ l.t("Same key → same partition (murmur2). Letters, digits, - and _.", "相同 key → 相同分区（murmur2）。可用字母、数字、- 和 _。") }</p>
                </div>
                }
                <div class="produce-actions">
                    if shows("produce") {
                    <button type="submit" class="btn primary wide" data-testid="produce-btn" aria-disabled={streaming.to_string()}>
                        { l.t("Produce a record", "发送一条消息") }
                    </button>
                    }
                    if shows("stream") {
                    <button type="button" class="btn wide stream-btn" data-testid="produce-stream" onclick={on_stream}
                        aria-disabled={streaming.to_string()} aria-describedby="stream-doc">
                        if streaming {
                            <span class="spinner" aria-hidden="true"></span>
                            { format!("{} {sent}/{}", l.t("Streaming…", "发送中…"), link::STREAM_RECORDS) }
                        } else {
                            { l.t("Produce a stream", "发送一串消息") }
                        }
                    </button>
                    }
                </div>
                if shows("stream") {
                <p id="stream-doc" class="help stream-doc">{ l.t(
                    "A stream is 20 keyed records (customer-1 … customer-5) over 200 ms: watch them gather into batches in the producer pipeline (slow the speed down to see linger.ms at work).",
                    "一串消息 = 200 ms 内 20 条带 key（customer-1 … customer-5）的消息：在 Producer 流水线里看它们如何聚成批次（调慢速度可以看清 linger.ms 的作用）。",
                ) }</p>
                }
            </form>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    pub lang: Lang,
    pub requests: Vec<ProduceView>,
    pub now_ms: u64,
}

/// How many produce results are listed.
const RESULTS_SHOWN: usize = 25;

/// Every produce call with its outcome, newest first.
#[function_component(Results)]
pub fn results(p: &ResultsProps) -> Html {
    let l = p.lang;
    html! {
        <section class="panel results o-results" aria-labelledby="results-h">
            <div class="panel-head">
                <h2 id="results-h">{ l.t("Produce results", "发送结果") }</h2>
                <span class="panel-note">{ format!("{}", p.requests.len()) }</span>
            </div>
            if p.requests.is_empty() {
                <p class="empty">{ l.t("Press “Produce a record” to send one.", "点击“发送一条消息”试试。") }</p>
            } else {
                <ol class="result-list">
                    // Only a pending row shows the clock (its wait so far): the others keep equal
                    // props from reply to reply and are not rendered again.
                    { for p.requests.iter().rev().take(RESULTS_SHOWN).map(|r| html! {
                        <ResultRow lang={l} request={r.clone()} now_ms={if r.outcome.is_none() { p.now_ms } else { 0 }} key={r.id.0} />
                    }) }
                </ol>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct RowProps {
    lang: Lang,
    request: ProduceView,
    /// The simulated time while the request is pending, 0 once it has an outcome.
    now_ms: u64,
}

#[function_component(ResultRow)]
fn result_row(p: &RowProps) -> Html {
    let l = p.lang;
    let r = &p.request;
    let meta = html! {
        <span class="result-meta mono small">
            { format!("#{} · {} · acks={}", r.id.0, r.tp, r.acks) }
            if let Some(k) = &r.key { { format!(" · key={k}") } }
        </span>
    };
    match &r.outcome {
        None => html! {
            <li class="result pending" data-testid="produce-result" data-status="pending">
                <span class="spinner" aria-hidden="true"></span>
                <div class="result-body">
                    <span class="result-main">{ l.t("waiting for the broker…", "等待 broker 响应…") }
                        <span class="muted small">{ format!(" {} ms", p.now_ms.saturating_sub(r.sent_at_ms)) }</span>
                    </span>
                    { meta }
                </div>
            </li>
        },
        Some(ProduceOutcome::Ok { offset }) => {
            let latency = r
                .completed_at_ms
                .map(|c| c.saturating_sub(r.sent_at_ms))
                .unwrap_or(0);
            html! {
                <li class="result ok" data-testid="produce-result" data-status="ok">
                    <span class="result-icon" aria-hidden="true">{ "✓" }</span>
                    <div class="result-body">
                        <span class="result-main">
                            <b class="mono">{ format!("offset {offset}") }</b>
                            if *offset < 0 {
                                <span class="muted small">{ l.t(" (acks=0: the producer never learns the offset)", "（acks=0：producer 不会知道 offset）") }</span>
                            }
                            <span class="muted small">{ format!(" · {latency} ms") }</span>
                        </span>
                        { meta }
                    </div>
                </li>
            }
        }
        Some(ProduceOutcome::Err { error, message }) => {
            let name = error.name();
            let hint = l
                .error_hint(name)
                .map(str::to_string)
                .unwrap_or_else(|| message.clone());
            html! {
                <li class="result err" data-testid="produce-result" data-status="error">
                    <span class="result-icon" aria-hidden="true">{ "✕" }</span>
                    <div class="result-body">
                        <span class="result-main"><b class="mono">{ name }</b></span>
                        <span class="result-hint" title={message.clone()}>{ hint }</span>
                        { meta }
                    </div>
                </li>
            }
        }
    }
}
