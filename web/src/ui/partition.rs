//! One partition: the controller's metadata (leader, epochs, ISR) and every replica's log drawn as
//! offset cells, with its high watermark (HW) and log end offset (LEO).

use super::Send;
use crate::i18n::Lang;
use crate::state::{ElectionFailure, PartitionsResult, UncleanMark};
use kplay_engine::command::ElectionType;
use kplay_engine::config::ConfigScope;
use kplay_engine::ids::BrokerId;
use kplay_engine::snapshot::{PartitionView, ReplicaView};
use kplay_engine::Command;
use yew::prelude::*;

/// How many offsets the log track shows (the newest ones).
const WINDOW: u64 = 14;

/// The shorter track of compact cards (topics with more than three partitions).
const WINDOW_COMPACT: u64 = 8;

fn ids(list: &[kplay_engine::ids::BrokerId]) -> String {
    list.iter()
        .map(|b| b.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Properties, PartialEq)]
pub struct LegendProps {
    pub lang: Lang,
}

/// The key to the replica log drawing.
#[function_component(Legend)]
pub fn legend(p: &LegendProps) -> Html {
    let l = p.lang;
    html! {
        <ul class="legend" aria-label={l.t("Legend", "图例")}>
            <li><span class="cell sample committed" aria-hidden="true"></span>{ l.t("committed (< HW)", "已提交 (< HW)") }</li>
            <li><span class="cell sample uncommitted" aria-hidden="true"></span>{ l.t("not yet committed", "未提交") }</li>
            <li><span class="sample-mark hw" aria-hidden="true"></span>{ "HW" }</li>
            <li><span class="cell sample next" aria-hidden="true"></span>{ l.t("LEO (next offset)", "LEO（下一个 offset）") }</li>
        </ul>
    }
}

#[derive(Properties, PartialEq)]
pub struct PartitionProps {
    pub lang: Lang,
    pub partition: PartitionView,
    pub min_isr: u32,
    /// Smaller card with a shorter log track, for topics with many partitions.
    #[prop_or_default]
    pub compact: bool,
    /// Set when the current leader was elected uncleanly.
    #[prop_or_default]
    pub unclean: Option<UncleanMark>,
    /// A refused `ElectLeaders` for this partition.
    #[prop_or_default]
    pub election_error: Option<ElectionFailure>,
    /// Sends `ElectLeaders` for this partition.
    pub on_elect: Callback<ElectionType>,
    /// Show the leader-election buttons (an embed without those controls hides them).
    #[prop_or(true)]
    pub elect: bool,
}

/// A partition card, shaped like `kafka-topics --describe` plus the replica logs.
#[function_component(PartitionCard)]
pub fn partition_card(p: &PartitionProps) -> Html {
    let l = p.lang;
    let pv = &p.partition;
    let tp = pv.tp.to_string();
    let max_leo = pv
        .replica_states
        .iter()
        .map(|r| r.log_end_offset.0)
        .max()
        .unwrap_or(0);
    let window = if p.compact { WINDOW_COMPACT } else { WINDOW };
    let start = max_leo.saturating_sub(window - 1);
    let offline = pv.leader.is_none();
    let tid = format!("{}-{}", pv.tp.topic, pv.tp.partition);
    let preferred = pv.replicas.first().copied();
    let on_preferred = {
        let cb = p.on_elect.clone();
        Callback::from(move |_| cb.emit(ElectionType::Preferred))
    };
    let on_unclean = {
        let cb = p.on_elect.clone();
        Callback::from(move |_| cb.emit(ElectionType::Unclean))
    };
    let preferred_title = format!(
        "{} ({})",
        l.t(
            "kafka-leader-election.sh --election-type preferred: move leadership back to the first replica of the assignment, if it is alive and in the ISR",
            "kafka-leader-election.sh --election-type preferred：把 leadership 迁回副本分配中的第一个副本（需在线且在 ISR 中）",
        ),
        preferred.map(|b| b.to_string()).unwrap_or_default()
    );
    html! {
        <article class={classes!("partition", pv.under_min_isr.then_some("alarm"), p.compact.then_some("compact"), p.unclean.is_some().then_some("unclean"))} data-testid={format!("partition-{tp}")} aria-label={format!("{} {tp}", l.t("Partition", "分区"))}>
            <header class="partition-head">
                <h3 class="mono">{ tp.clone() }</h3>
                <div class="badges">
                    if offline {
                        <span class="badge bad" title={l.t("No leader: the partition is unavailable (counted in OfflinePartitionsCount)", "没有 leader：分区不可用（计入 OfflinePartitionsCount）")}>{ "Offline" }</span>
                    }
                    if pv.under_min_isr {
                        <span class="badge bad" data-testid={format!("under-min-isr-{}-{}", pv.tp.topic, pv.tp.partition)}
                            title={l.t("kafka.cluster:type=Partition,name=UnderMinIsr (counted in UnderMinIsrPartitionCount): ISR < min.insync.replicas, so acks=all produce fails with NOT_ENOUGH_REPLICAS", "kafka.cluster:type=Partition,name=UnderMinIsr（计入 UnderMinIsrPartitionCount）：ISR < min.insync.replicas，acks=all 写入会返回 NOT_ENOUGH_REPLICAS")}>
                            { "UnderMinIsr" }
                        </span>
                    }
                    if pv.under_replicated {
                        <span class="badge warn" data-testid={format!("under-replicated-{}-{}", pv.tp.topic, pv.tp.partition)}
                            title={l.t("kafka.cluster:type=Partition,name=UnderReplicated (counted in UnderReplicatedPartitions): the ISR is smaller than the replica set", "kafka.cluster:type=Partition,name=UnderReplicated（计入 UnderReplicatedPartitions）：ISR 小于副本集合")}>
                            { "UnderReplicated" }
                        </span>
                    }
                    if !pv.under_replicated && !offline {
                        <span class="badge good">{ l.t("fully replicated", "副本完全同步") }</span>
                    }
                </div>
            </header>
            <dl class="describe mono">
                <div><dt>{ "Leader:" }</dt><dd>{ pv.leader.map(|b| b.0.to_string()).unwrap_or_else(|| "none".into()) }</dd></div>
                <div><dt>{ "LeaderEpoch:" }</dt><dd>{ pv.leader_epoch.0 }</dd></div>
                <div><dt>{ "Replicas:" }</dt><dd>{ ids(&pv.replicas) }</dd></div>
                <div>
                    <dt>{ "Isr:" }</dt>
                    <dd data-testid={format!("isr-{}-{}", pv.tp.topic, pv.tp.partition)}
                        class={classes!(pv.under_min_isr.then_some("text-bad"))}>
                        { ids(&pv.isr) }
                    </dd>
                </div>
                <div><dt>{ "min.insync.replicas:" }</dt><dd>{ p.min_isr }</dd></div>
                <div><dt>{ "HW:" }</dt><dd>{ pv.high_watermark.map(|o| o.0.to_string()).unwrap_or_else(|| "—".into()) }</dd></div>
                <div><dt>{ "PartitionEpoch:" }</dt><dd>{ pv.partition_epoch }</dd></div>
            </dl>
            if let Some(pending) = &pv.pending_isr {
                <p class="pending" data-testid={format!("pending-isr-{}-{}", pv.tp.topic, pv.tp.partition)}>
                    <span class="spinner" aria-hidden="true"></span>
                    { l.t("AlterPartition in flight: leader proposes Isr ", "AlterPartition 进行中：leader 提议 Isr ") }
                    <span class="mono">{ ids(pending) }</span>
                </p>
            }
            if let Some(m) = &p.unclean {
                <p class="unclean-note" role="status" data-testid={format!("unclean-mark-{tid}")}>
                    <b>{ l.t("⚠ Unclean leader election", "⚠ Unclean leader 选举") }</b>
                    { format!(" · t={} ms · leader={} · leaderEpoch={} · ", m.at_ms, m.leader.map(|b| b.to_string()).unwrap_or_else(|| "none".into()), m.leader_epoch) }
                    { l.t("the new leader was not in the ISR: acknowledged records beyond its log are gone", "新 leader 不在 ISR 中：超出它日志的已确认消息已丢失") }
                    if m.lost > 0 {
                        <span class="mono">{ format!(" · {} {}", m.lost, if m.lost == 1 { l.t("record truncated (lost)", "条消息被截断（丢失）") } else { l.t("records truncated (lost)", "条消息被截断（丢失）") }) }</span>
                    }
                </p>
            }
            <div class="replicas" role="list">
                { for pv.replica_states.iter().map(|r| html! {
                    <ReplicaRow lang={l} replica={r.clone()} {start} end={start + window} controller_leader={pv.leader}
                        unclean_leader={p.unclean.is_some()}
                        tp={(pv.tp.topic.clone(), pv.tp.partition)} key={r.broker.0} />
                }) }
            </div>
            if p.elect {
            <div class="elect-bar" role="group" aria-label={format!("{} {tp}", l.t("Leader election for", "leader 选举："))}>
                <button class="btn small" onclick={on_preferred} data-testid={format!("elect-preferred-{tid}")} title={preferred_title}>
                    { l.t("Elect preferred leader", "选举首选 leader") }
                </button>
                if offline {
                    <button class="btn small danger" onclick={on_unclean} data-testid={format!("elect-unclean-{tid}")}
                        title={l.t("kafka-leader-election.sh --election-type unclean: no ISR replica is alive, so a live replica outside the ISR becomes leader. Records it never received are lost, even acknowledged ones.", "kafka-leader-election.sh --election-type unclean：没有存活的 ISR 副本，于是由一个 ISR 之外的存活副本成为 leader。它没收到的消息（包括已确认的）都会丢失。")}>
                        { l.t("⚠ Unclean election", "⚠ Unclean 选举") }
                    </button>
                }
                if let Some(f) = &p.election_error {
                    <span class="elect-result bad" role="alert" data-testid={format!("election-result-{tid}")}
                        title={f.message.clone()}>
                        <b class="mono">{ f.error.clone() }</b>{ ": " }
                        { l.error_hint(&f.error).map(str::to_string).unwrap_or_else(|| f.message.clone()) }
                    </span>
                }
            </div>
            }
        </article>
    }
}

#[derive(Properties, PartialEq)]
pub struct ReplicaProps {
    pub lang: Lang,
    pub replica: ReplicaView,
    /// First offset of the visible window.
    pub start: u64,
    /// One past the last offset of the visible window.
    pub end: u64,
    /// The leader the controller elected (`PartitionView.leader`).
    pub controller_leader: Option<BrokerId>,
    /// (topic, partition), for test ids.
    pub tp: (String, u32),
    /// The controller's leader was elected uncleanly.
    #[prop_or_default]
    pub unclean_leader: bool,
}

/// One replica: its role and its log as a row of offset cells.
#[function_component(ReplicaRow)]
pub fn replica_row(p: &ReplicaProps) -> Html {
    let l = p.lang;
    let r = &p.replica;
    let leo = r.log_end_offset.0;
    let hw = r.high_watermark.0;
    // A replica that still acts as leader although the controller elected another one (it was cut
    // off and has not heard of the new epoch): Kafka's "zombie" leader of an old leader epoch.
    let stale = r.is_leader && p.controller_leader != Some(r.broker);
    let elected = p.controller_leader == Some(r.broker);
    let believed_epoch = r.epoch_cache.last().map(|(e, _)| e.0);
    let role = if stale {
        l.t("stale leader of an old epoch", "旧 epoch 的过期 leader")
    } else if r.is_leader {
        l.t("leader", "leader")
    } else {
        l.t("follower", "follower")
    };
    let isr_text = if r.in_isr {
        l.t("in ISR", "在 ISR 中")
    } else {
        l.t("out of ISR", "不在 ISR")
    };
    let label = format!(
        "{}: {role}, {isr_text}, LEO {leo}, HW {hw}{}",
        r.broker,
        if r.alive {
            ""
        } else {
            l.t(", offline", "，离线")
        }
    );
    let cells = (p.start..p.end).map(|off| {
        let record = r.records.iter().find(|rec| rec.offset.0 == off);
        let in_log = off < leo;
        let mut class = classes!("cell");
        let mut title = String::new();
        let mut text = String::new();
        if in_log {
            class.push(if off < hw { "committed" } else { "uncommitted" });
            match record {
                Some(rec) => {
                    class.push(format!("ep{}", rec.leader_epoch.0 % 6));
                    title = format!(
                        "offset {off} · leaderEpoch {} · key={} · value={}",
                        rec.leader_epoch.0,
                        rec.key.as_deref().unwrap_or("null"),
                        rec.value.as_deref().unwrap_or("null (tombstone)")
                    );
                }
                None => title = format!("offset {off}"),
            }
            text = off.to_string();
        } else if off == leo {
            class.push("next");
            title = format!(
                "LEO {leo}: {}",
                l.t(
                    "the next offset this replica will write",
                    "该副本下一条消息的 offset"
                )
            );
        } else {
            class.push("void");
        }
        // The high watermark sits on the left edge of offset `hw`: everything before it is committed.
        let hw_here = off == hw;
        html! {
            <span {class} title={title}>
                { text }
                if hw_here {
                    <span class="hw-mark"><span>{ "HW" }</span></span>
                }
            </span>
        }
    });
    html! {
        <div class={classes!("replica", (!r.alive).then_some("offline"), elected.then_some("leader"), stale.then_some("stale"))} role="listitem" aria-label={label}>
            <div class="replica-id">
                <span class="mono strong">{ r.broker.to_string() }</span>
                <span class="replica-tags">
                    if stale {
                        <span class="tag stale" data-testid={format!("stale-leader-{}-{}-{}", p.tp.0, p.tp.1, r.broker.0)}
                            title={l.t("Still acts as leader of an old leader epoch: it was cut off from the controller, which fenced it and elected another leader. It steps down once the network heals and it learns the new epoch.", "仍以旧 leader epoch 的 leader 身份行事：它与 controller 断开，controller 已隔离它并选出新 leader。网络恢复、得知新 epoch 后它才会退位。")}>
                            { "⚠ " }{ l.t("thinks it leads", "自认为是 leader") }
                            if let Some(e) = believed_epoch { { format!(" · epoch {e}") } }
                        </span>
                    } else if elected {
                        <span class="tag leader" title={l.t("Partition leader", "分区 leader")}>
                            <svg class="crown" viewBox="0 0 24 24" width="12" height="12" aria-hidden="true"><path d="M3 18h18l-2-10-5 5-2-7-2 7-5-5z"/></svg>
                            { "leader" }
                        </span>
                        if p.unclean_leader {
                            <span class="tag unclean" data-testid={format!("unclean-leader-{}-{}-{}", p.tp.0, p.tp.1, r.broker.0)}
                                title={l.t("Elected from outside the ISR (unclean leader election)", "从 ISR 之外选出（unclean leader 选举）")}>
                                { "unclean" }
                            </span>
                        }
                    } else {
                        <span class="tag">{ role }</span>
                    }
                    if r.in_isr {
                        <span class="tag isr">{ "ISR" }</span>
                    } else {
                        <span class="tag out">{ l.t("not in ISR", "非 ISR") }</span>
                    }
                    if !r.alive {
                        <span class="tag down">{ l.t("offline", "离线") }</span>
                    }
                </span>
            </div>
            <div class="track" aria-hidden="true">
                { for cells }
            </div>
            <div class="replica-offsets mono small">
                <span>{ "LEO " }<b>{ leo }</b></span>
                <span>{ "HW " }<b>{ hw }</b></span>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct AddPartitionsProps {
    pub lang: Lang,
    pub topic: String,
    /// The topic's current partition count.
    pub count: u32,
    /// The newest `CreatePartitions` outcome reported by the engine.
    pub result: Option<PartitionsResult>,
    pub send: Send,
    /// The topic's `unclean.leader.election.enable`.
    #[prop_or_default]
    pub unclean_enabled: bool,
    /// How many of the topic's partitions have no leader.
    #[prop_or_default]
    pub offline: u32,
}

/// The largest partition count offered in the menu (more would crowd the page).
const MAX_OFFERED: u32 = 6;

/// `partitions: N → [N+1…]`: `kafka-topics --alter --partitions` (Admin `createPartitions`).
#[function_component(AddPartitions)]
pub fn add_partitions(p: &AddPartitionsProps) -> Html {
    let l = p.lang;
    let choices: Vec<u32> = (p.count + 1..=MAX_OFFERED.max(p.count + 1)).collect();
    let target = use_state(|| p.count + 1);
    // Keep the chosen count valid when the topic grows.
    let chosen = if choices.contains(&*target) {
        *target
    } else {
        choices[0]
    };
    let on_change = {
        let target = target.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                if let Ok(v) = sel.value().parse::<u32>() {
                    target.set(v);
                }
            }
        })
    };
    let on_add = {
        let send = p.send.clone();
        let topic = p.topic.clone();
        Callback::from(move |_| {
            send.command(Command::CreatePartitions {
                topic: topic.clone(),
                count: chosen,
            })
        })
    };
    let select_id = format!("add-partitions-{}", p.topic);
    let on_unclean = {
        let send = p.send.clone();
        let topic = p.topic.clone();
        let enable = !p.unclean_enabled;
        Callback::from(move |_| {
            send.command(Command::AlterTopicConfig {
                topic: topic.clone(),
                key: "unclean.leader.election.enable".to_string(),
                value: enable.to_string(),
            })
        })
    };
    let unclean_doc = l.config_doc(ConfigScope::Topic, "unclean.leader.election.enable");
    let unclean_doc_id = format!("unclean-doc-{}", p.topic);
    let danger = p.offline > 0 && !p.unclean_enabled;
    let result = match &p.result {
        // The records are in the active controller's log but not yet on a majority of voters.
        Some(PartitionsResult::Created { topic, from, to })
            if *topic == p.topic && p.count < *to =>
        {
            html! {
                <span class="topic-result warn" role="status" data-testid="partitions-result">
                    { format!("⏳ {topic}: {from} → {to} ") }
                    { l.t("written to the metadata log, not committed yet: it takes effect once a majority of controllers has it",
                        "已写入元数据日志，尚未提交：多数 controller 拿到后才生效") }
                </span>
            }
        }
        Some(PartitionsResult::Abandoned {
            topic,
            from,
            to,
            controller,
        }) if *topic == p.topic => html! {
            <span class="topic-result bad" role="alert" data-testid="partitions-result">
                <b>{ "NOT_CONTROLLER" }</b>{ format!(": {topic} {from} → {to} · controller-{controller} ") }
                { l.t("lost its quorum before a majority had the new partitions, so the records were abandoned and the topic keeps its old count. An Admin client would retry against the new active controller.",
                    "在多数派拿到新分区之前失去了仲裁，这些记录被放弃，topic 保持原来的分区数。Admin 客户端会向新的活跃 controller 重试。") }
            </span>
        },
        Some(PartitionsResult::Created { topic, from, to }) if *topic == p.topic => html! {
            <span class="topic-result good" role="status" data-testid="partitions-result">
                { format!("✓ {topic}: {from} → {to} ") }{ l.t("partitions · keys now map to different partitions", "个分区 · key 现在会映射到不同分区") }
            </span>
        },
        Some(PartitionsResult::Failed { error, message }) => html! {
            <span class="topic-result bad" role="alert" data-testid="partitions-result">
                <b>{ error.clone() }</b>{ ": " }{ message.clone() }
            </span>
        },
        _ => html! {},
    };
    html! {
        <div class="topic-bar" data-testid={format!("topic-bar-{}", p.topic)}>
            <span class="topic-name">{ l.t("Topic ", "Topic ") }<b class="mono">{ p.topic.clone() }</b></span>
            <label class="topic-count" for={select_id.clone()}>
                { l.t("partitions: ", "分区数：") }<b class="mono" data-testid="partition-count">{ p.count }</b>{ " → " }
            </label>
            <select id={select_id} data-testid="add-partitions-select" onchange={on_change}
                aria-label={format!("{} {}", l.t("New partition count for", "新的分区数："), p.topic)}>
                { for choices.iter().map(|c| html! { <option value={c.to_string()} selected={*c == chosen}>{ c }</option> }) }
            </select>
            <button class="btn small" onclick={on_add} data-testid="add-partitions-btn"
                title={l.t("kafka-topics --alter --partitions N: partitions can only be added. Keys are remapped (murmur2(key) % partitions), so records with one key may land in a new partition.", "kafka-topics --alter --partitions N：分区只能增加。key 会重新映射（murmur2(key) % 分区数），同一个 key 的消息可能落到新分区。")}>
                { l.t("Add partitions", "增加分区") }
            </button>
            { result }
            <div class={classes!("unclean-ctl", danger.then_some("danger"), p.unclean_enabled.then_some("on"))}>
                <button type="button" role="switch" class={classes!("switch", p.unclean_enabled.then_some("on"))}
                    aria-checked={p.unclean_enabled.to_string()} onclick={on_unclean}
                    data-testid="unclean-toggle" title={unclean_doc} aria-describedby={unclean_doc_id.clone()}>
                    <span class="switch-knob" aria-hidden="true"></span>
                    <span class="mono">{ "unclean.leader.election.enable" }</span>
                    <b class="mono">{ if p.unclean_enabled { " = true" } else { " = false" } }</b>
                </button>
                <span id={unclean_doc_id} class="sr-only">{ unclean_doc }</span>
                if danger {
                    <span class="unclean-warning" role="alert" data-testid="unclean-warning">
                        { format!("⚠ {} ", p.offline) }
                        { if p.offline == 1 { l.t("offline partition", "个离线分区") } else { l.t("offline partitions", "个离线分区") } }
                        { l.t(" (OfflinePartitionsCount). Enabling this elects a live replica outside the ISR: records it never received — even acknowledged ones — are lost.", "（OfflinePartitionsCount）。开启后会从 ISR 之外选出一个存活副本作为 leader：它没收到的消息（包括已确认的）都会丢失。") }
                    </span>
                } else if p.unclean_enabled {
                    <span class="unclean-warning mild">
                        { l.t("Availability over durability: a replica outside the ISR may lead when no ISR replica is alive.", "可用性优先于持久性：没有存活的 ISR 副本时，ISR 之外的副本也可以成为 leader。") }
                    </span>
                }
            </div>
        </div>
    }
}

/// Topics with more partitions than this show the replica matrix instead of every card.
pub const MATRIX_ABOVE: usize = 6;

#[derive(Properties, PartialEq)]
pub struct TopicHeaderProps {
    pub lang: Lang,
    pub name: String,
    pub partitions: u32,
    pub replication_factor: u32,
    pub under_replicated: u32,
    pub offline: u32,
    pub expanded: bool,
    pub on_toggle: Callback<()>,
}

/// A topic's row in the partitions panel: name, size, health, and the collapse toggle.
#[function_component(TopicHeader)]
pub fn topic_header(p: &TopicHeaderProps) -> Html {
    let l = p.lang;
    let onclick = p.on_toggle.reform(|_: MouseEvent| ());
    let body = format!("topic-body-{}", p.name);
    html! {
        <div class="topic-head">
            <button class="topic-toggle" {onclick} aria-expanded={p.expanded.to_string()} aria-controls={body}
                data-testid={format!("topic-toggle-{}", p.name)}
                aria-label={format!("{} {}", if p.expanded { l.t("Collapse topic", "收起 topic") } else { l.t("Expand topic", "展开 topic") }, p.name)}>
                <span class="chev" aria-hidden="true">{ if p.expanded { "▾" } else { "▸" } }</span>
                <span class="mono topic-name">{ p.name.clone() }</span>
            </button>
            <span class="small muted">
                { match l {
                    Lang::En => format!("{} partitions · RF {}", p.partitions, p.replication_factor),
                    Lang::Zh => format!("{} 个分区 · RF {}", p.partitions, p.replication_factor),
                } }
            </span>
            if p.offline > 0 {
                <span class="badge bad">{ format!("{} Offline", p.offline) }</span>
            }
            if p.under_replicated > 0 {
                <span class="badge warn">{ format!("{} UnderReplicated", p.under_replicated) }</span>
            }
            if p.offline == 0 && p.under_replicated == 0 {
                <span class="badge good">{ l.t("fully replicated", "副本完全同步") }</span>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct MatrixProps {
    pub lang: Lang,
    pub topic: String,
    pub partitions: std::rc::Rc<Vec<PartitionView>>,
    /// Every broker id, the matrix's columns.
    pub brokers: Vec<BrokerId>,
    /// The partition shown in full under the matrix (`topic-N`), if any.
    pub focus: Option<String>,
    pub on_focus: Callback<String>,
}

/// Partitions × brokers at a glance: which broker leads, follows in the ISR, lags outside it, or
/// is down — one small cell per replica, so 30 partitions × RF 3 fit one screen. Choosing a
/// partition opens its full card (its replica logs) under the matrix.
#[function_component(ReplicaMatrix)]
pub fn replica_matrix(p: &MatrixProps) -> Html {
    let l = p.lang;
    html! {
        <div class="matrix-wrap">
            <table class="matrix" data-testid={format!("matrix-{}", p.topic)}>
                <caption class="sr-only">{ format!("{} {}", l.t("Replica placement and state of every partition of", "各分区的副本分布与状态："), p.topic) }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ l.t("Partition", "分区") }</th>
                        { for p.brokers.iter().map(|b| html! { <th scope="col" class="mono" aria-label={b.to_string()}><span class="b-long">{ "broker-" }</span>{ b.0 }</th> }) }
                        <th scope="col" class="mono">{ "Isr" }</th>
                        <th scope="col" class="mono">{ "HW" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for p.partitions.iter().map(|pv| {
                        let tp = pv.tp.to_string();
                        let focused = p.focus.as_deref() == Some(tp.as_str());
                        let onclick = {
                            let cb = p.on_focus.clone();
                            let tp = tp.clone();
                            Callback::from(move |_: MouseEvent| cb.emit(tp.clone()))
                        };
                        let row_cls = classes!(
                            focused.then_some("focused"),
                            pv.leader.is_none().then_some("m-offline"),
                            pv.under_min_isr.then_some("m-alarm"),
                        );
                        html! {
                            <tr key={tp.clone()} class={row_cls}>
                                <th scope="row">
                                    <button class="matrix-focus mono" {onclick} aria-pressed={focused.to_string()}
                                        data-testid={format!("focus-{tp}")}
                                        aria-label={format!("{} {tp}", l.t("Show the replica logs of", "查看副本日志："))}>
                                        { pv.tp.partition }
                                    </button>
                                </th>
                                { for p.brokers.iter().map(|b| {
                                    let r = pv.replica_states.iter().find(|r| r.broker == *b);
                                    let (cls, mark, what) = match r {
                                        None => ("m-none", "", ""),
                                        Some(r) if !r.alive => ("m-down", "✕", l.t("down", "宕机")),
                                        Some(_) if pv.leader == Some(*b) => ("m-leader", "L", l.t("leader", "leader")),
                                        Some(r) if r.in_isr || pv.isr.contains(b) => ("m-isr", "F", l.t("follower in ISR", "ISR 中的 follower")),
                                        Some(_) => ("m-out", "F", l.t("follower out of ISR", "ISR 之外的 follower")),
                                    };
                                    let tip = r.map(|r| format!("{tp} · {b} · {what} · LEO {}", r.log_end_offset.0)).unwrap_or_default();
                                    html! {
                                        <td class={classes!("m-cell", cls)} title={tip.clone()}>
                                            if !mark.is_empty() {
                                                <span class="m-mark" aria-label={tip}>{ mark }</span>
                                            }
                                        </td>
                                    }
                                }) }
                                <td class={classes!("mono", "small", pv.under_min_isr.then_some("text-bad"))}>{ format!("{}/{}", pv.isr.len(), pv.replicas.len()) }</td>
                                <td class="mono small">{ pv.high_watermark.map(|o| o.0.to_string()).unwrap_or_else(|| "—".into()) }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            <ul class="legend matrix-legend" aria-label={l.t("Legend", "图例")}>
                <li><span class="m-cell m-leader m-sample" aria-hidden="true">{ "L" }</span>{ l.t("leader", "leader") }</li>
                <li><span class="m-cell m-isr m-sample" aria-hidden="true">{ "F" }</span>{ l.t("follower in ISR", "ISR 中的 follower") }</li>
                <li><span class="m-cell m-out m-sample" aria-hidden="true">{ "F" }</span>{ l.t("out of ISR", "ISR 之外") }</li>
                <li><span class="m-cell m-down m-sample" aria-hidden="true">{ "✕" }</span>{ l.t("broker down", "broker 宕机") }</li>
            </ul>
        </div>
    }
}
