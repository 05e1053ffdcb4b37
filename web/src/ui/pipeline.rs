//! The producer pipeline: the notes' 7 steps of a `send()` made visible — send() → serializer →
//! partitioner → accumulator → sender → leader → ack — with the live batches of the accumulator
//! (per partition), the sender's in-flight requests per broker, the acknowledgements, Kafka's
//! producer metrics and the producer configs that shape it all (`linger.ms`, `batch.size`,
//! `enable.idempotence`, `retries`, `max.in.flight.requests.per.connection`, client defaults).
//!
//! Everything is read from the snapshot (`ProducerView.batches`) and the event trace
//! ([`PipelineTrace`]); the controls only send `AlterProducerConfig` commands.

use super::Send;
use crate::demo::{self, Client, Preset};
use crate::i18n::Lang;
use crate::state::{ConfigFailure, DoneBatch, PipelineTrace};
use kplay_engine::config::{config_def, Acks, ConfigScope};
use kplay_engine::snapshot::{BatchView, BrokerView, ProducerView, Snapshot};
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// A producer config's value in effect: the override, else Kafka's default.
pub fn effective(p: &ProducerView, key: &str) -> String {
    p.configs
        .get(key)
        .cloned()
        .or_else(|| config_def(ConfigScope::Producer, key).map(|d| d.default.to_string()))
        .unwrap_or_default()
}

fn effective_u64(p: &ProducerView, key: &str) -> u64 {
    effective(p, key).parse().unwrap_or(0)
}

/// Whether the producer's configs are those a client's defaults set.
pub fn matches_client(p: &ProducerView, client: Client) -> bool {
    let Some(preset) = kplay_engine::producer::preset(client.id()) else {
        return false;
    };
    preset.iter().all(|(k, v)| match k.as_str() {
        "acks" => Acks::parse(v) == Some(p.acks),
        "enable.idempotence" => p.idempotent.to_string() == *v,
        _ => effective(p, k) == *v,
    })
}

/// A batch state's label (`data-state` keeps the engine's name).
fn state_label(l: Lang, state: &str) -> &'static str {
    match state {
        "accumulating" => l.t("accumulating", "累积中"),
        "ready" => l.t("ready", "就绪"),
        "in_flight" => l.t("in flight", "在途"),
        "backoff" => l.t("backoff", "退避重试"),
        _ => l.t("batch", "批次"),
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 100.0;
    }
    (part as f64 * 100.0 / whole as f64).clamp(0.0, 100.0)
}

/// `16384` → `16 KiB`, `1000` → `1000 B`.
fn bytes_label(b: u64) -> String {
    if b >= 1024 && b.is_multiple_of(1024) {
        format!("{} KiB", b / 1024)
    } else {
        format!("{b} B")
    }
}

#[derive(Properties, PartialEq)]
pub struct PipelineProps {
    pub lang: Lang,
    pub preset: Preset,
    pub snapshot: Rc<Snapshot>,
    pub trace: PipelineTrace,
    pub config_failed: Option<ConfigFailure>,
    /// The newest log line id when this renders (a refusal after a click belongs to that click).
    pub last_log_id: u64,
    pub send: Send,
}

/// The producer pipeline panel.
#[function_component(Pipeline)]
pub fn pipeline(p: &PipelineProps) -> Html {
    let l = p.lang;
    // The control changed last and the log id at that moment: a refusal after it shows there.
    let touched = use_state(|| None::<(&'static str, u64)>);
    let Some(producer) = p
        .snapshot
        .producers
        .iter()
        .find(|x| x.name == demo::PRODUCER)
        .cloned()
    else {
        return html! {};
    };
    let error_for = |control: &str| -> Option<String> {
        match (&*touched, &p.config_failed) {
            (Some((c, at)), Some(f)) if *c == control && f.log_id > *at => Some(f.message.clone()),
            _ => None,
        }
    };
    let set = {
        let send = p.send.clone();
        let touched = touched.clone();
        let at = p.last_log_id;
        move |control: &'static str| {
            let send = send.clone();
            let touched = touched.clone();
            Callback::from(move |(key, value): (String, String)| {
                touched.set(Some((control, at)));
                send.command(demo::set_producer_config(&key, &value));
            })
        }
    };
    let apply_client = {
        let send = p.send.clone();
        let touched = touched.clone();
        let at = p.last_log_id;
        Callback::from(move |client: Client| {
            touched.set(Some(("client", at)));
            for c in demo::client_defaults(client) {
                send.command(c);
            }
        })
    };
    let batches = &producer.batches;
    let open = batches.iter().filter(|b| b.state != "in_flight").count();
    let in_flight = batches.iter().filter(|b| b.state == "in_flight").count();
    let m = &p.snapshot.metrics;
    html! {
        <section class="panel pipeline o-pipeline" aria-labelledby="pipeline-h" data-testid="producer-pipeline">
            <div class="panel-head">
                <div class="pipe-title">
                    <h2 id="pipeline-h">{ l.t("Producer pipeline", "Producer 流水线") }</h2>
                    <span class="panel-note mono">{ format!("{} → {}", producer.name, p.preset.topic()) }</span>
                </div>
                <Badges lang={l} producer={producer.clone()} />
            </div>
            <Strip lang={l} snapshot={p.snapshot.clone()} trace={p.trace.clone()} {open} {in_flight} />
            <div class="pipe-stages">
                <Accumulator lang={l} snapshot={p.snapshot.clone()} producer={producer.clone()} topic={p.preset.topic()} />
                <Sender lang={l} brokers={p.snapshot.brokers.clone()} producer={producer.clone()} />
                <AckStage lang={l} producer={producer.clone()} trace={p.trace.clone()} />
            </div>
            <dl class="pipe-metrics" aria-label={l.t("Producer metrics", "Producer 指标")}>
                { metric("batch-size-avg", format!("{} B", m.batch_size_avg),
                    l.t("Average bytes per batch sent", "每个已发送批次的平均字节数")) }
                { metric("records-per-request-avg", format!("{}.{:02}", m.records_per_request_avg_x100 / 100, m.records_per_request_avg_x100 % 100),
                    l.t("Average records per Produce request: batching at work", "每个 Produce 请求的平均消息数：批处理的效果")) }
                { metric("request-latency-avg", format!("{} ms", m.request_latency_avg_ms),
                    l.t("Mean time from send() to the answer", "从 send() 到收到响应的平均时间")) }
                { metric("request-latency-max", format!("{} ms", m.request_latency_max_ms),
                    l.t("Longest time from send() to the answer", "从 send() 到收到响应的最长时间")) }
                { metric("record-retry-total", m.record_retry_total.to_string(),
                    l.t("Batches sent again after a retriable error", "遇到可重试错误后重新发送的批次数")) }
            </dl>
            <div class="pipe-configs" role="group" aria-labelledby="pipe-configs-h">
                <h3 id="pipe-configs-h" class="pipe-h">{ l.t("Producer configs", "Producer 配置") }</h3>
                <ClientSwitch lang={l} producer={producer.clone()} on_apply={apply_client} error={error_for("client")} />
                <div class="cfg-grid">
                    <ConfigSelect lang={l} key_name="linger.ms" testid="linger-select" unit="ms"
                        choices={vec!["0", "5", "20", "100", "1000"]}
                        current={effective(&producer, "linger.ms")} error={error_for("linger.ms")}
                        on_change={set("linger.ms")} />
                    <ConfigSelect lang={l} key_name="batch.size" testid="batch-size-select" unit="B"
                        choices={vec!["1024", "16384", "65536"]}
                        current={effective(&producer, "batch.size")} error={error_for("batch.size")}
                        on_change={set("batch.size")} />
                    <IdempotenceSwitch lang={l} producer={producer.clone()} error={error_for("enable.idempotence")}
                        on_change={set("enable.idempotence")} />
                    <ConfigSelect lang={l} key_name="retries" testid="retries-select" unit=""
                        choices={vec!["0", "3", "2147483647"]}
                        current={effective(&producer, "retries")} error={error_for("retries")}
                        on_change={set("retries")} />
                    <ConfigSelect lang={l} key_name="max.in.flight.requests.per.connection" testid="max-in-flight-select" unit=""
                        choices={vec!["1", "5"]}
                        current={effective(&producer, "max.in.flight.requests.per.connection")}
                        error={error_for("max.in.flight.requests.per.connection")}
                        on_change={set("max.in.flight.requests.per.connection")} />
                    <ConfigSelect lang={l} key_name="compression.type" testid="compression-select" unit=""
                        choices={vec!["none", "gzip", "snappy", "lz4", "zstd"]}
                        current={effective(&producer, "compression.type")}
                        error={error_for("compression.type")}
                        on_change={set("compression.type")} />
                </div>
            </div>
        </section>
    }
}

fn metric(name: &'static str, value: String, hint: &'static str) -> Html {
    html! {
        <div class="pipe-metric" title={hint}>
            <dt class="mono">{ name }</dt>
            <dd class="mono">{ value }</dd>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct BadgesProps {
    lang: Lang,
    producer: ProducerView,
}

/// acks, idempotence (producer id / epoch) and retries at a glance.
#[function_component(Badges)]
fn badges(p: &BadgesProps) -> Html {
    let l = p.lang;
    let pr = &p.producer;
    let explicit = pr.configs.contains_key("enable.idempotence");
    let idem_title = if explicit {
        l.config_doc(ConfigScope::Producer, "enable.idempotence")
    } else {
        l.t(
            "enable.idempotence is not set: on by default, but silently off when acks ≠ all, retries = 0 or more than 5 requests may be in flight.",
            "未设置 enable.idempotence：默认开启，但当 acks ≠ all、retries = 0 或在途请求超过 5 个时会被悄悄关闭。",
        )
    };
    let idem = match (pr.idempotent, pr.producer_id) {
        (true, Some((id, epoch))) => html! {
            <span class="badge pipe-badge good" data-testid="badge-idempotence" data-on="true" title={idem_title}>
                { l.t("idempotent", "幂等") }<span class="mono">{ format!(" · producerId {id} · epoch {epoch}") }</span>
            </span>
        },
        (true, None) => html! {
            <span class="badge pipe-badge good" data-testid="badge-idempotence" data-on="true" title={idem_title}>
                { l.t("idempotent · no producerId yet", "幂等 · 尚无 producerId") }
            </span>
        },
        (false, _) => html! {
            <span class="badge pipe-badge off" data-testid="badge-idempotence" data-on="false" title={idem_title}>
                { l.t("idempotence off", "未开启幂等") }
                if !explicit { <span class="muted">{ l.t(" (implicitly)", "（隐式）") }</span> }
            </span>
        },
    };
    let acks_class = match pr.acks {
        Acks::All => "good",
        Acks::One => "warn",
        Acks::Zero => "bad",
    };
    html! {
        <div class="badges pipe-badges">
            <span class={classes!("badge", "pipe-badge", acks_class)} data-testid="badge-acks"
                title={l.config_doc(ConfigScope::Producer, "acks")}>{ format!("acks={}", pr.acks) }</span>
            { idem }
            <span class="badge pipe-badge neutral" data-testid="badge-retries"
                title={l.config_doc(ConfigScope::Producer, "retries")}>{ format!("retries={}", effective(pr, "retries")) }</span>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct StripProps {
    lang: Lang,
    snapshot: Rc<Snapshot>,
    trace: PipelineTrace,
    open: usize,
    in_flight: usize,
}

/// The 7 steps in a row, each with what it last did.
#[function_component(Strip)]
fn strip(p: &StripProps) -> Html {
    let l = p.lang;
    let s = &p.snapshot;
    let last = s.requests.last();
    let dash = || "—".to_string();
    let send_val = last
        .map(|r| r.key.clone().unwrap_or_else(|| "key=null".to_string()))
        .unwrap_or_else(dash);
    let send_title = last
        .map(|r| {
            let key = r.key.as_deref().unwrap_or("null");
            match &r.value {
                Some(v) => format!("produce#{} key={key} value=“{v}”", r.id.0),
                None => format!("produce#{} key={key} value=null (tombstone)", r.id.0),
            }
        })
        .unwrap_or_default();
    let ser_val = last
        .map(|r| {
            let size = kplay_engine::producer::record_size(0, r.key.as_deref(), r.value.as_deref());
            format!("{size} B")
        })
        .unwrap_or_else(dash);
    let part_val = p
        .trace
        .last_accumulated
        .as_ref()
        .map(|a| format!("{} → p{}", a.partitioner, a.tp.partition))
        .unwrap_or_else(dash);
    let leader_val = p
        .trace
        .last_appended
        .as_ref()
        .map(|a| format!("broker-{} @{}", a.broker, a.offset))
        .unwrap_or_else(dash);
    let m = &s.metrics;
    let ack_val = format!("✓ {} ✕ {}", m.record_send_total, m.record_error_total);
    let steps: [(&str, &str, String, bool); 7] = [
        (
            "send()",
            l.t("creates (key, value)", "创建消息 (key, value)"),
            send_val,
            false,
        ),
        (
            "serializer",
            l.t("key, value → bytes", "转换为字节"),
            ser_val,
            false,
        ),
        (
            "partitioner",
            l.t("picks the partition", "决定分区"),
            part_val,
            false,
        ),
        (
            "accumulator",
            l.t("batches per partition", "加入该分区的批次"),
            format!("{} {}", p.open, l.t("open", "个批次")),
            p.open > 0,
        ),
        (
            "sender",
            l.t("sends to the leader", "发送到 leader"),
            format!("{} {}", p.in_flight, l.t("in flight", "在途")),
            p.in_flight > 0,
        ),
        (
            "leader",
            l.t("appends, replicates", "写入并复制"),
            leader_val,
            false,
        ),
        (
            "ack",
            l.t("answers per acks", "按 acks 确认"),
            ack_val,
            false,
        ),
    ];
    html! {
        <ol class="pipe-strip" aria-label={l.t("The 7 steps of a send()", "send() 的 7 个步骤")}>
            { for steps.into_iter().enumerate().map(|(i, (name, sub, val, busy))| html! {
                <li class={classes!("pipe-step", busy.then_some("busy"))} data-testid={format!("pipe-step-{}", i + 1)}>
                    <span class="pipe-no" aria-hidden="true">{ i + 1 }</span>
                    <span class="pipe-name mono">{ name }</span>
                    <span class="pipe-sub">{ sub }</span>
                    <span class="pipe-val mono" title={if i == 0 { send_title.clone() } else { val.clone() }}>{ val }</span>
                </li>
            }) }
        </ol>
    }
}

#[derive(Properties, PartialEq)]
struct AccumulatorProps {
    lang: Lang,
    snapshot: Rc<Snapshot>,
    producer: ProducerView,
    topic: &'static str,
}

/// Lanes above this many partitions show only partitions with batches.
const LANES_MAX: usize = 6;

/// The `RecordAccumulator`: one lane per partition, its batches oldest first.
#[function_component(Accumulator)]
fn accumulator(p: &AccumulatorProps) -> Html {
    let l = p.lang;
    let batch_size = effective_u64(&p.producer, "batch.size");
    let linger = effective_u64(&p.producer, "linger.ms");
    let partitions: Vec<(u32, Option<u32>)> = p
        .snapshot
        .topics
        .iter()
        .find(|t| t.name == p.topic)
        .map(|t| {
            t.partitions
                .iter()
                .map(|x| (x.tp.partition, x.leader.map(|b| b.0)))
                .collect()
        })
        .unwrap_or_default();
    let many = partitions.len() > LANES_MAX;
    let batches = &p.producer.batches;
    let lanes: Vec<(u32, Option<u32>, Vec<BatchView>)> = partitions
        .iter()
        .map(|(part, leader)| {
            let mine: Vec<BatchView> = batches
                .iter()
                .filter(|b| b.tp.topic == p.topic && b.tp.partition == *part)
                .cloned()
                .collect();
            (*part, *leader, mine)
        })
        .filter(|(_, _, mine)| !many || !mine.is_empty())
        .collect();
    let hidden = partitions.len() - lanes.len();
    html! {
        <div class="pipe-stage stage-acc">
            <h3 class="pipe-h">
                <span class="mono">{ "accumulator" }</span>
                <span class="pipe-h-note mono">{ format!("batch.size {} · linger.ms {linger}", bytes_label(batch_size)) }</span>
            </h3>
            <ul class="lanes">
                { for lanes.into_iter().map(|(part, leader, mine)| html! {
                    <li class={classes!("lane", mine.is_empty().then_some("idle"))} data-testid={format!("lane-{}-{part}", p.topic)}>
                        <div class="lane-head">
                            <span class="lane-tp mono">{ format!("{}-{part}", p.topic) }</span>
                            if mine.is_empty() {
                                <span class="lane-empty">{ l.t("no batch", "没有批次") }</span>
                            }
                            <span class="lane-leader mono">{ match leader {
                                Some(b) => format!("→ broker-{b}"),
                                None => l.t("no leader", "无 leader").to_string(),
                            } }</span>
                        </div>
                        if !mine.is_empty() {
                            <ul class="lane-batches">
                                { for mine.iter().map(|b| html! {
                                    <BatchChip lang={l} batch={b.clone()} {batch_size} {linger} key={b.id} />
                                }) }
                            </ul>
                        }
                    </li>
                }) }
            </ul>
            if hidden > 0 {
                <p class="pipe-note">{ format!("{hidden} {}", l.t("partitions without batches not shown", "个没有批次的分区未显示")) }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct BatchProps {
    lang: Lang,
    batch: BatchView,
    batch_size: u64,
    linger: u64,
}

/// One `ProducerBatch`: records, bytes against `batch.size`, age against `linger.ms`, state.
#[function_component(BatchChip)]
fn batch_chip(p: &BatchProps) -> Html {
    let l = p.lang;
    let b = &p.batch;
    let state = b.state.as_str();
    let fill = percent(b.bytes, p.batch_size);
    let age = percent(b.age_ms, p.linger);
    let records = if b.records == 1 {
        l.t("record", "条")
    } else {
        l.t("records", "条")
    };
    let label = format!(
        "{} #{} {}-{}: {} {records}, {} / {} B, {}, {} ms",
        l.t("batch", "批次"),
        b.id,
        b.tp.topic,
        b.tp.partition,
        b.records,
        b.bytes,
        p.batch_size,
        state_label(l, state),
        b.age_ms
    );
    html! {
        <li class={classes!("batch", format!("st-{state}"))} data-testid={format!("batch-{}", b.id)}
            data-state={state.to_string()} data-records={b.records.to_string()} aria-label={label}>
            <div class="batch-top">
                <span class="batch-id mono">{ format!("#{}", b.id) }</span>
                <span class={classes!("bstate", format!("st-{state}"))}>{ state_label(l, state) }</span>
            </div>
            <div class="batch-row">
                <span><b class="mono">{ b.records }</b>{ format!(" {records}") }</span>
                <span class="mono muted" title={b.compressed_bytes.map(|c| format!("compression.type: {} → {c} B", b.bytes)).unwrap_or_default()}>{
                    match b.compressed_bytes {
                        Some(c) => format!("{} → {c} B", b.bytes),
                        None => format!("{} B", b.bytes),
                    }
                }</span>
            </div>
            <div class="meter bytes" title={format!("{} / {} B (batch.size)", b.bytes, p.batch_size)} aria-hidden="true">
                <span style={format!("transform:scaleX({:.3})", (fill / 100.0).max(0.03))}></span>
            </div>
            <div class="batch-row">
                <span class="muted">{ l.t("age", "已等") }</span>
                <span class="mono muted">{
                    if state == "accumulating" { format!("{} / {} ms", b.age_ms, p.linger) } else { format!("{} ms", b.age_ms) }
                }</span>
            </div>
            <div class={classes!("meter", "age", (state == "accumulating").then_some("live"))}
                title={format!("{} / {} ms (linger.ms)", b.age_ms, p.linger)} aria-hidden="true">
                <span style={format!("width:{age:.1}%")}></span>
            </div>
            if b.attempts > 0 || b.base_sequence.is_some() || b.to.is_some() {
                <div class="batch-row batch-meta mono">
                    if b.attempts > 0 {
                        <span>{ format!("{} {}", l.t("attempt", "第"), b.attempts) }{ l.t("", " 次") }</span>
                    }
                    if let Some(seq) = b.base_sequence {
                        <span>{ format!("seq {seq}") }</span>
                    }
                    if let Some(to) = b.to {
                        <span>{ format!("→ broker-{}", to.0) }</span>
                    }
                </div>
            }
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct SenderProps {
    lang: Lang,
    brokers: Vec<BrokerView>,
    producer: ProducerView,
}

/// Slots drawn per broker up to this `max.in.flight`; above it only the count.
const SLOTS_MAX: u64 = 10;

/// The `Sender`: in-flight requests per broker against `max.in.flight.requests.per.connection`.
#[function_component(Sender)]
fn sender(p: &SenderProps) -> Html {
    let l = p.lang;
    let pr = &p.producer;
    let max = effective_u64(pr, "max.in.flight.requests.per.connection").max(1);
    let retries = effective_u64(pr, "retries");
    let waiting_pid = pr.idempotent && pr.producer_id.is_none() && !pr.batches.is_empty();
    let (tone, note) = if pr.acks == Acks::Zero {
        (
            "",
            l.t(
                "acks=0: nobody answers, so nothing stays in flight.",
                "acks=0：没有响应，所以没有在途请求。",
            ),
        )
    } else if pr.idempotent {
        ("good", l.t("Idempotent: sequence numbers keep each partition in order, even with retries and up to 5 in flight.", "幂等：序列号保证每个分区的顺序，即使有重试、最多 5 个在途请求。"))
    } else if retries > 0 && max > 1 {
        ("warn", l.t("Retries with more than 1 in flight and no idempotence: a retried batch can land after a later one (msg2 before msg1).", "有重试、在途请求大于 1 且未开启幂等：重试的批次可能排在后发的批次之后（msg2 先于 msg1）。"))
    } else if retries == 0 {
        (
            "",
            l.t(
                "retries=0: a batch that fails is not sent again — its records fail.",
                "retries=0：失败的批次不会重发 —— 其中的消息直接失败。",
            ),
        )
    } else {
        (
            "good",
            l.t(
                "One request per broker at a time: retries cannot reorder.",
                "每个 broker 同时只有一个请求：重试不会乱序。",
            ),
        )
    };
    html! {
        <div class="pipe-stage stage-send">
            <h3 class="pipe-h">
                <span class="mono">{ "sender" }</span>
                <span class="pipe-h-note mono">{ format!("max.in.flight {max}") }</span>
            </h3>
            <ul class="inflight">
                { for p.brokers.iter().map(|b| {
                    let mine: Vec<&BatchView> = pr.batches.iter()
                        .filter(|x| x.state == "in_flight" && x.to == Some(b.id))
                        .collect();
                    let n = mine.len() as u64;
                    let full = n >= max;
                    html! {
                        <li class={classes!("inflight-row", (!b.alive).then_some("down"), full.then_some("full"))}
                            data-testid={format!("inflight-{}", b.id.0)} data-count={n.to_string()} data-max={max.to_string()}
                            aria-label={format!("broker-{}: {n} / {max} {}", b.id.0, l.t("requests in flight", "个在途请求"))}>
                            <span class="inflight-broker mono">{ format!("broker-{}", b.id.0) }</span>
                            if max <= SLOTS_MAX {
                                <span class="slots" aria-hidden="true">
                                    { for (0..max).map(|i| {
                                        let batch = mine.get(i as usize);
                                        html! {
                                            <span class={classes!("slot", batch.is_some().then_some("used"))}
                                                title={batch.map(|x| format!("#{} {}", x.id, x.tp)).unwrap_or_default()}></span>
                                        }
                                    }) }
                                </span>
                            }
                            <span class="inflight-count mono">{ format!("{n}/{max}") }</span>
                            if !b.alive {
                                <span class="tag down">{ l.t("down", "宕机") }</span>
                            } else if !mine.is_empty() {
                                <span class="inflight-ids mono">
                                    { mine.iter().map(|x| format!("#{}", x.id)).collect::<Vec<_>>().join(" ") }
                                </span>
                            }
                        </li>
                    }
                }) }
            </ul>
            if waiting_pid {
                <p class="pipe-note warn">{ l.t("Waiting for InitProducerId: batches go out once the producer has its id.", "等待 InitProducerId：拿到 producer id 之后才发送批次。") }</p>
            }
            <p class={classes!("pipe-note", tone)}>{ note }</p>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct AcksProps {
    lang: Lang,
    producer: ProducerView,
    trace: PipelineTrace,
}

/// The leader's append and the acknowledgements that complete whole batches.
#[function_component(AckStage)]
fn acks(p: &AcksProps) -> Html {
    let l = p.lang;
    let when = match p.producer.acks {
        Acks::All => l.t(
            "acks=all: the leader answers once every ISR replica has the batch (HW).",
            "acks=all：所有 ISR 副本都有这个批次（HW）后 leader 才响应。",
        ),
        Acks::One => l.t(
            "acks=1: the leader answers right after its own append.",
            "acks=1：leader 自己写入后立即响应。",
        ),
        Acks::Zero => l.t(
            "acks=0: no answer; the producer never learns the offset.",
            "acks=0：没有响应；producer 不会知道 offset。",
        ),
    };
    html! {
        <div class="pipe-stage stage-ack">
            <h3 class="pipe-h"><span class="mono">{ "leader → ack" }</span></h3>
            <p class="pipe-note">{ when }</p>
            if let Some(a) = &p.trace.last_appended {
                <p class="last-append mono" data-testid="last-append">
                    { format!("broker-{} {} {}-{} @{}", a.broker, l.t("appended", "写入"), a.tp.topic, a.tp.partition, a.offset) }
                    if a.records > 1 { { format!("..{}", a.offset + a.records - 1) } }
                </p>
            }
            if p.trace.done.is_empty() {
                <p class="lane-empty">{ l.t("No batch completed yet.", "还没有完成的批次。") }</p>
            } else {
                <ul class="done-list">
                    { for p.trace.done.iter().map(|d| done_row(l, d)) }
                </ul>
            }
        </div>
    }
}

fn done_row(l: Lang, d: &DoneBatch) -> Html {
    let records = if d.records == 1 {
        l.t("record", "条")
    } else {
        l.t("records", "条")
    };
    let offsets = match (d.first_offset, d.last_offset) {
        (f, _) if f < 0 => String::new(),
        (f, t) if f == t => format!(" · @{f}"),
        (f, t) => format!(" · @{f}..{t}"),
    };
    html! {
        <li class={classes!("done", if d.error.is_some() { "err" } else { "ok" })} data-testid={format!("done-batch-{}", d.batch)}
            data-records={d.records.to_string()}>
            <span class="done-icon" aria-hidden="true">{ if d.error.is_some() { "✕" } else { "✓" } }</span>
            <span class="done-body mono">
                <b>{ format!("#{}", d.batch) }</b>
                { format!(" {}-{} · {} {records}", d.tp.topic, d.tp.partition, d.records) }
                if let Some(e) = &d.error {
                    { " · " }<b class="text-bad">{ e.clone() }</b>
                } else {
                    { offsets }
                }
                <span class="muted">
                    { format!(" · {} ms", d.latency_ms) }
                    if d.attempts > 1 { { format!(" · {} {}", d.attempts, l.t("attempts", "次发送")) } }
                </span>
            </span>
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct ClientSwitchProps {
    lang: Lang,
    producer: ProducerView,
    on_apply: Callback<Client>,
    error: Option<String>,
}

/// "Java client defaults" / "kafka-python defaults": applies a client's defaults in one click.
#[function_component(ClientSwitch)]
fn client_switch(p: &ClientSwitchProps) -> Html {
    let l = p.lang;
    html! {
        <div class="cfg-clients">
            <span class="cfg-clients-label" id="clients-label">{ l.t("Client defaults", "客户端默认值") }</span>
            <div class="segmented" role="group" aria-labelledby="clients-label">
                { for Client::ALL.iter().map(|c| {
                    let on = matches_client(&p.producer, *c);
                    let (label, testid) = match c {
                        Client::Java => (l.t("Java client defaults", "Java 客户端默认值"), "client-java"),
                        Client::KafkaPython => (l.t("kafka-python defaults", "kafka-python 默认值"), "client-kafka-python"),
                    };
                    let onclick = {
                        let cb = p.on_apply.clone();
                        let c = *c;
                        Callback::from(move |_| cb.emit(c))
                    };
                    html! {
                        <button type="button" class={classes!("seg", on.then_some("on"))} aria-pressed={on.to_string()}
                            data-testid={testid} {onclick}>{ label }</button>
                    }
                }) }
            </div>
            <p class="help">{ l.t(
                "Java ≥ 3.0: acks=all, enable.idempotence=true, retries=2147483647, linger.ms=5 (4.0). kafka-python: acks=1, retries=0, linger.ms=0, no idempotence. Applied as AlterProducerConfig commands, idempotence off first / on last.",
                "Java ≥ 3.0：acks=all、enable.idempotence=true、retries=2147483647、linger.ms=5（4.0）。kafka-python：acks=1、retries=0、linger.ms=0、不开启幂等。以 AlterProducerConfig 命令逐条应用：关闭幂等放在最前，开启幂等放在最后。",
            ) }</p>
            { config_error(l, p.error.as_deref(), "client-config-error") }
        </div>
    }
}

/// A Kafka config key that may wrap after its dots (`max.in.flight.<wbr>requests.<wbr>…`).
fn dotted(key: &str) -> Html {
    let parts: Vec<&str> = key.split_inclusive('.').collect();
    html! { <>{ for parts.into_iter().map(|p| html! { <>{ p }<wbr /></> }) }</> }
}

/// Kafka's `ConfigException` message next to the control that caused it, with a hint.
fn config_error(l: Lang, error: Option<&str>, testid: &str) -> Html {
    let Some(msg) = error else {
        return html! {};
    };
    html! {
        <p class="cfg-error" role="alert" data-testid={testid.to_string()}>
            <b class="mono">{ "ConfigException: " }</b>{ msg.to_string() }
            if let Some(hint) = l.config_exception_hint(msg) {
                <span class="cfg-hint">{ hint }</span>
            }
        </p>
    }
}

#[derive(Properties, PartialEq)]
struct ConfigSelectProps {
    lang: Lang,
    key_name: &'static str,
    testid: &'static str,
    /// A unit shown after numeric choices (`ms`, `B`).
    unit: &'static str,
    choices: Vec<&'static str>,
    current: String,
    error: Option<String>,
    on_change: Callback<(String, String)>,
}

/// One producer config as a `<select>` under its Kafka name, with the engine's explanation.
#[function_component(ConfigSelect)]
fn config_select(p: &ConfigSelectProps) -> Html {
    let l = p.lang;
    let node = use_node_ref();
    // The DOM keeps what the learner picked even when the engine refused it: after every render
    // the select is put back to the value in effect.
    {
        let node = node.clone();
        let current = p.current.clone();
        use_effect(move || {
            if let Some(sel) = node.cast::<HtmlSelectElement>() {
                if sel.value() != current {
                    sel.set_value(&current);
                }
            }
        });
    }
    let onchange = {
        let cb = p.on_change.clone();
        let key = p.key_name;
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target_dyn_into::<HtmlSelectElement>() {
                cb.emit((key.to_string(), sel.value()));
            }
        })
    };
    let mut choices: Vec<String> = p.choices.iter().map(|c| c.to_string()).collect();
    if !choices.contains(&p.current) {
        // A value from a link (or a client default) outside the usual choices still shows.
        choices.push(p.current.clone());
        choices.sort_by_key(|c| c.parse::<u64>().unwrap_or(u64::MAX));
    }
    let doc = l.config_doc(ConfigScope::Producer, p.key_name);
    let id = format!("cfg-{}", p.testid);
    let doc_id = format!("{id}-doc");
    let option_label = |c: &str| -> String {
        let n: u64 = c.parse().unwrap_or(0);
        match (p.unit, c) {
            (_, "2147483647") => "2147483647 (MAX)".to_string(),
            ("B", _) if n >= 1024 && n.is_multiple_of(1024) => format!("{c} ({} KiB)", n / 1024),
            ("", _) => c.to_string(),
            (u, _) => format!("{c} {u}"),
        }
    };
    html! {
        <div class={classes!("field", "cfg-field", p.error.is_some().then_some("has-error"))}>
            <label for={id.clone()} class="mono cfg-key">{ dotted(p.key_name) }</label>
            <select id={id} ref={node} data-testid={p.testid} {onchange} title={doc}
                aria-describedby={doc_id.clone()} aria-invalid={p.error.is_some().to_string()}>
                { for choices.iter().map(|c| html! {
                    <option value={c.clone()} selected={*c == p.current}>{ option_label(c) }</option>
                }) }
            </select>
            { config_error(l, p.error.as_deref(), &format!("{}-error", p.testid)) }
            <p id={doc_id} class="help">{ doc }</p>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct IdempotenceProps {
    lang: Lang,
    producer: ProducerView,
    error: Option<String>,
    on_change: Callback<(String, String)>,
}

/// `enable.idempotence` as a switch showing the value in effect.
#[function_component(IdempotenceSwitch)]
fn idempotence_switch(p: &IdempotenceProps) -> Html {
    let l = p.lang;
    let on = p.producer.idempotent;
    let explicit = p.producer.configs.contains_key("enable.idempotence");
    let onclick = {
        let cb = p.on_change.clone();
        Callback::from(move |_| cb.emit(("enable.idempotence".to_string(), (!on).to_string())))
    };
    let doc = l.config_doc(ConfigScope::Producer, "enable.idempotence");
    html! {
        <div class={classes!("field", "cfg-field", p.error.is_some().then_some("has-error"))}>
            <span class="mono cfg-key" id="cfg-idem-label">{ "enable.idempotence" }</span>
            <button type="button" role="switch" class={classes!("switch", "idem-switch", on.then_some("on"))}
                aria-checked={on.to_string()} aria-labelledby="cfg-idem-label" aria-describedby="cfg-idem-doc"
                data-testid="idempotence-toggle" title={doc} {onclick}>
                <span class="switch-knob" aria-hidden="true"></span>
                <b class="mono">{ on.to_string() }</b>
                if !explicit { <span class="muted small">{ l.t("(not set)", "（未设置）") }</span> }
            </button>
            { config_error(l, p.error.as_deref(), "idempotence-toggle-error") }
            <p id="cfg-idem-doc" class="help">{ doc }</p>
        </div>
    }
}
