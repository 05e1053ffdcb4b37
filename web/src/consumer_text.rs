//! Consumer and consumer-group events in both languages (split out of `event_text.rs`, which
//! delegates every consumer / group `EventKind` here). English follows the engine's `Display`
//! line; 中文 keeps Kafka's names (APIs, configs, error and exception names, group states).

use crate::i18n::Lang;
use kplay_engine::consumer::commit::CommitOutcome;
use kplay_engine::events::{commit_timeout_message, offsets_text, EventKind};
use kplay_engine::ids::TopicPartition;

fn tps(list: &[TopicPartition]) -> String {
    let v: Vec<String> = list.iter().map(|t| t.to_string()).collect();
    format!("[{}]", v.join(","))
}

/// The engine's free-text phrases (reasons, actions, position sources, lifecycle) in 中文;
/// anything unknown is shown as is, with known fragments translated.
pub fn phrase_zh(s: &str) -> String {
    const EXACT: &[(&str, &str)] = &[
        ("the leader's assignment is stored", "leader 的分配方案已保存"),
        ("every member joined", "所有成员都已加入"),
        ("no members left", "组内已没有成员"),
        ("storing the group assignment failed", "保存组分配方案失败"),
        ("did not rejoin within the rebalance timeout", "未在再平衡超时内重新加入"),
        ("did not send SyncGroup within the rebalance timeout", "未在再平衡超时内发送 SyncGroup"),
        ("session timeout expired (no heartbeat within session.timeout.ms)", "会话超时（session.timeout.ms 内没有心跳）"),
        ("left the group (LeaveGroup)", "离开了消费组（LeaveGroup）"),
        ("retrying after retry.backoff.ms", "retry.backoff.ms 后重试"),
        ("finding the coordinator again", "重新查找协调者"),
        ("retrying on the next poll()", "在下一次 poll() 时重试"),
        ("coordinator disconnected: finding it again", "与协调者的连接断开：重新查找"),
        ("the leader saw new partitions in its metadata: rejoining", "leader 在元数据中发现新分区：重新加入"),
        ("resetting the member id and rejoining", "重置 member id 并重新加入"),
        ("rejoining", "重新加入"),
        ("rejoining on the next poll()", "在下一次 poll() 时重新加入"),
        ("partitions lost: resetting the member id and rejoining", "分区丢失：重置 member id 并重新加入"),
        ("commit failed: rejoining", "提交失败：重新加入"),
        ("CommitFailedException: the group has already rebalanced and assigned the partitions to another member", "CommitFailedException：消费组已经再平衡，分区已分配给其他成员"),
        ("committed offset of the group", "消费组的已提交位移"),
        ("crashed", "崩溃"),
        ("closed", "已关闭"),
        ("stopped calling poll()", "不再调用 poll()"),
        ("calls poll() again", "重新调用 poll()"),
    ];
    if let Some((_, zh)) = EXACT.iter().find(|(en, _)| *en == s) {
        return zh.to_string();
    }
    s.replace(
        " rejoined (leader or new metadata)",
        " 重新加入（leader 或元数据变化）",
    )
    .replace(" joined", " 加入")
    .replace(
        "KIP-394: joining again as ",
        "KIP-394：以新的 member id 重新加入 ",
    )
    .replace("called ", "调用了 ")
    .replace(
        " session timeout expired (no heartbeat within session.timeout.ms)",
        " 会话超时（session.timeout.ms 内没有心跳）",
    )
    .replace(
        " left the group (LeaveGroup)",
        " 离开了消费组（LeaveGroup）",
    )
}

/// One consumer or group event in the page language; `None` for any other event.
pub fn render(l: Lang, kind: &EventKind) -> Option<String> {
    use EventKind::*;
    let zh = l == Lang::Zh;
    let en_line = || {
        let line = kplay_engine::Event {
            at_ms: 0,
            kind: kind.clone(),
        }
        .to_string();
        line.split_once("ms ")
            .map_or(line.clone(), |(_, rest)| rest.to_string())
    };
    if !zh {
        return is_consumer_event(kind).then(en_line);
    }
    Some(match kind {
        OffsetsTopicCreationFailed { error, message } => format!(
            "无法创建 __consumer_offsets：{error}（{message}）；FindCoordinator 会返回 COORDINATOR_NOT_AVAILABLE"
        ),
        CoordinatorLoaded {
            broker,
            partition,
            leader_epoch,
            groups,
            offsets,
        } => format!(
            "{broker} 成为 __consumer_offsets-{partition} 的协调者（epoch {}）：从日志加载了 {groups} 个消费组和 {offsets} 个已提交位移",
            leader_epoch.0
        ),
        CoordinatorUnloaded {
            broker,
            partition,
            groups,
        } => format!("{broker} 不再协调 __consumer_offsets-{partition}：卸载了 {groups} 个消费组"),
        GroupStateChanged {
            broker,
            group,
            from,
            to,
            generation,
            reason,
        } => format!(
            "{broker} 消费组 {group} {from} → {to} generation={generation}（{}）",
            phrase_zh(reason)
        ),
        MemberRemoved {
            broker,
            group,
            member,
            reason,
        } => format!("{broker} 消费组 {group} 移除了 {member}：{}", phrase_zh(reason)),
        OffsetsCommitted {
            broker,
            group,
            offsets,
        } => format!("{broker} 消费组 {group} 已提交 {}", offsets_text(offsets)),
        ConsumerAdded {
            consumer,
            group,
            topics,
        } => format!(
            "消费者 {consumer} 加入消费组 {group}，订阅 [{}]",
            topics.join(",")
        ),
        CoordinatorDiscovered {
            consumer,
            group,
            coordinator,
        } => format!("{consumer} 找到消费组 {group} 的协调者 {coordinator}"),
        ConsumerRequestFailed {
            consumer,
            api,
            error,
            action,
        } => format!("{consumer} {api} 失败：{error}（{}）", phrase_zh(action)),
        ConsumerJoined {
            consumer,
            group,
            generation,
            member_id,
            leader,
            protocol,
        } => format!(
            "{consumer} 以 {member_id}{} 加入消费组 {group} generation={generation} protocol={protocol}",
            if *leader { "（leader）" } else { "" }
        ),
        AssignmentComputed {
            consumer,
            group,
            generation,
            protocol,
            assignment,
        } => {
            let v: Vec<String> = assignment
                .iter()
                .map(|(m, t)| format!("{m}→{}", tps(t)))
                .collect();
            format!(
                "{consumer}（leader）用 {protocol} 为消费组 {group} generation={generation} 分配分区：{}",
                v.join(" ")
            )
        }
        PartitionsAssigned {
            consumer,
            group,
            generation,
            assigned,
            revoked,
        } => {
            let mut s = format!(
                "{consumer} 消费组 {group} generation={generation} 分配到 {}",
                tps(assigned)
            );
            if !revoked.is_empty() {
                s.push_str(&format!("，撤销 {}", tps(revoked)));
            }
            s
        }
        PositionSet {
            consumer,
            tp,
            offset,
            source,
        } => format!("{consumer} 位置 {tp}={offset}（{}）", phrase_zh(source)),
        RecordsPolled {
            consumer,
            records,
            ranges,
        } => {
            let v: Vec<String> = ranges
                .iter()
                .map(|(tp, a, b)| {
                    if a == b {
                        format!("{tp}@{a}")
                    } else {
                        format!("{tp}@{a}..{b}")
                    }
                })
                .collect();
            format!("{consumer} poll() 返回 {records} 条消息：{}", v.join(" "))
        }
        ConsumerError {
            consumer,
            error,
            message,
        } => format!("{consumer} poll() 抛出 {error}：{message}"),
        PollTimeoutExpired {
            consumer,
            ms_since_poll,
        } => format!(
            "{consumer}：consumer poll 超时（距上次 poll() 已 {ms_since_poll}ms > max.poll.interval.ms）：离开消费组"
        ),
        ConsumerLifecycle { consumer, what } => {
            format!("消费者 {consumer} {}", phrase_zh(what))
        }
        DeliverySemanticsApplied {
            consumer,
            semantics,
            configs,
        } => {
            let v: Vec<String> = configs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let meaning = match semantics.name() {
                "at-most-once" => "poll() 之后、处理之前立即 commitSync()：批次中途崩溃会丢失尚未处理的消息，但不会重复处理",
                _ => "先处理整批消息再 commitSync()：提交前崩溃会导致重复处理，但不会丢失",
            };
            format!(
                "{consumer} kplay.delivery.semantics={} 即 {}（{meaning}）",
                semantics.name(),
                v.join(" ")
            )
        }
        OffsetCommitCompleted {
            consumer,
            api,
            request,
            offsets,
            error,
            outcome,
        } => commit_zh(consumer, api.name(), *request, offsets, *error, outcome),
        _ => return None,
    })
}

fn commit_zh(
    consumer: &str,
    api: &str,
    request: u64,
    offsets: &[(TopicPartition, u64)],
    error: Option<kplay_engine::KafkaError>,
    outcome: &CommitOutcome,
) -> String {
    let offs = offsets_text(offsets);
    let err = error.map_or_else(String::new, |e| e.to_string());
    let later =
        |l: &Option<u64>| l.map_or_else(String::new, |l| format!("，而更晚的提交 #{l} 已经成功"));
    match outcome {
        CommitOutcome::Committed => format!("{consumer} {api} #{request} {offs}：已提交"),
        CommitOutcome::Retrying { backoff_ms } => format!(
            "{consumer} {api} #{request} {offs}：{err}；{backoff_ms}ms 后重试（commitSync 会一直重试到 default.api.timeout.ms）"
        ),
        CommitOutcome::TimedOut { timeout_ms } => format!(
            "{consumer} {api} 抛出 TimeoutException：{}",
            commit_timeout_message(*timeout_ms, offsets)
        ),
        CommitOutcome::Failed { exception } => {
            format!("{consumer} {api} #{request} {offs}：{exception}（{err}）")
        }
        CommitOutcome::NotRetried { later_succeeded } => format!(
            "{consumer} {api} #{request} {offs}：回调收到 RetriableCommitFailedException（{err}）{}；commitAsync 不会重试",
            later(later_succeeded)
        ),
        CommitOutcome::RetriedByCallback {
            retry,
            later_succeeded,
        } => {
            let again = retry.map_or_else(
                || "在找到协调者后重新发送".to_string(),
                |r| format!("并重新发送为 #{r}"),
            );
            format!(
                "{consumer} {api} #{request} {offs}：回调收到 RetriableCommitFailedException（{err}）{}，{again}（kplay.commit.async.retry）",
                later(later_succeeded)
            )
        }
    }
}

/// Whether the event belongs to consumers / groups (rendered here).
pub fn is_consumer_event(kind: &EventKind) -> bool {
    use EventKind::*;
    matches!(
        kind,
        OffsetsTopicCreationFailed { .. }
            | CoordinatorLoaded { .. }
            | CoordinatorUnloaded { .. }
            | GroupStateChanged { .. }
            | MemberRemoved { .. }
            | OffsetsCommitted { .. }
            | ConsumerAdded { .. }
            | CoordinatorDiscovered { .. }
            | ConsumerRequestFailed { .. }
            | ConsumerJoined { .. }
            | AssignmentComputed { .. }
            | PartitionsAssigned { .. }
            | PositionSet { .. }
            | RecordsPolled { .. }
            | ConsumerError { .. }
            | PollTimeoutExpired { .. }
            | ConsumerLifecycle { .. }
            | DeliverySemanticsApplied { .. }
            | OffsetCommitCompleted { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use kplay_engine::errors::KafkaError;

    #[test]
    fn every_consumer_event_has_chinese_text() {
        let tp = TopicPartition::new("orders", 0);
        let events = vec![
            EventKind::ConsumerLifecycle {
                consumer: "A".into(),
                what: "crashed".into(),
            },
            EventKind::PositionSet {
                consumer: "A".into(),
                tp: tp.clone(),
                offset: 5,
                source: "committed offset of the group".into(),
            },
            EventKind::OffsetCommitCompleted {
                consumer: "A".into(),
                api: kplay_engine::consumer::commit::CommitApi::Async,
                request: 2,
                offsets: vec![(tp.clone(), 3)],
                error: Some(KafkaError::RequestTimedOut),
                outcome: CommitOutcome::NotRetried {
                    later_succeeded: Some(3),
                },
            },
        ];
        for e in &events {
            let zh = render(Lang::Zh, e).unwrap();
            let en = render(Lang::En, e).unwrap();
            assert_ne!(zh, en);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
        }
        assert_eq!(
            render(Lang::Zh, &events[1]).unwrap(),
            "A 位置 orders-0=5（消费组的已提交位移）"
        );
        assert_eq!(
            render(Lang::En, &events[2]).unwrap(),
            "A commitAsync #2 orders-0=3: callback got RetriableCommitFailedException (REQUEST_TIMED_OUT), after the later commit #3 had already succeeded; commitAsync does not retry"
        );
    }
}
