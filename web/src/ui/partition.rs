//! One partition: the controller's metadata (leader, epochs, ISR) and every replica's log drawn as
//! offset cells, with its high watermark (HW) and log end offset (LEO).

use crate::i18n::Lang;
use kplay_engine::snapshot::{PartitionView, ReplicaView};
use yew::prelude::*;

/// How many offsets the log track shows (the newest ones).
const WINDOW: u64 = 14;

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
    let start = max_leo.saturating_sub(WINDOW - 1);
    let offline = pv.leader.is_none();
    html! {
        <article class={classes!("partition", pv.under_min_isr.then_some("alarm"))} data-testid={format!("partition-{tp}")} aria-label={format!("{} {tp}", l.t("Partition", "分区"))}>
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
            <div class="replicas" role="list">
                { for pv.replica_states.iter().map(|r| html! {
                    <ReplicaRow lang={l} replica={r.clone()} {start} end={start + WINDOW} key={r.broker.0} />
                }) }
            </div>
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
}

/// One replica: its role and its log as a row of offset cells.
#[function_component(ReplicaRow)]
pub fn replica_row(p: &ReplicaProps) -> Html {
    let l = p.lang;
    let r = &p.replica;
    let leo = r.log_end_offset.0;
    let hw = r.high_watermark.0;
    let role = if r.is_leader {
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
                        rec.value
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
        <div class={classes!("replica", (!r.alive).then_some("offline"), r.is_leader.then_some("leader"))} role="listitem" aria-label={label}>
            <div class="replica-id">
                <span class="mono strong">{ r.broker.to_string() }</span>
                <span class="replica-tags">
                    if r.is_leader {
                        <span class="tag leader" title={l.t("Partition leader", "分区 leader")}>
                            <svg class="crown" viewBox="0 0 24 24" width="12" height="12" aria-hidden="true"><path d="M3 18h18l-2-10-5 5-2-7-2 7-5-5z"/></svg>
                            { "leader" }
                        </span>
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
