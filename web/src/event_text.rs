//! The event log in both languages. Each [`EventKind`] is rendered from its structured fields (not
//! from the engine's English `Display` line). The `match` has no wildcard: a new engine variant
//! fails to compile here instead of silently showing English. Kafka's own names (configs, error
//! names, API names, metric names, HW / LEO / ISR) stay untranslated; the English rendering follows
//! the engine's `Display` line closely.

use crate::i18n::Lang;
use kplay_engine::events::{perf_rates, ChangeReason, EventKind, ProduceOutcome};
use kplay_engine::ids::BrokerId;

fn ids(list: &[BrokerId]) -> String {
    let v: Vec<String> = list.iter().map(|b| b.0.to_string()).collect();
    format!("[{}]", v.join(","))
}

fn opt_broker(b: Option<BrokerId>) -> String {
    b.map(|b| b.0.to_string())
        .unwrap_or_else(|| "none".to_string())
}

fn assignment(list: &[Vec<BrokerId>], first: u32) -> String {
    list.iter()
        .enumerate()
        .map(|(i, r)| format!("{}:{}", first as usize + i, ids(r)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The engine's free-text reason for an `AlterPartition` in 中文 (its known phrasings; anything
/// else is shown as is).
fn why_zh(why: &str) -> String {
    if why == "no answer from the controller, retrying" {
        return "controller 没有响应，重试中".to_string();
    }
    why.replace(" caught up to HW ", " 已追上 HW ")
        .replace(" last caught up ", " 上次追上 leader 是 ")
        .replace("ms ago", "ms 前")
}

/// Why a partition changed, in the page language.
pub fn reason(l: Lang, r: ChangeReason) -> &'static str {
    match r {
        ChangeReason::TopicCreated => l.t("topic created", "topic 已创建"),
        ChangeReason::PartitionsCreated => l.t("partition added", "新增分区"),
        ChangeReason::UncleanElection => l.t(
            "UNCLEAN leader election: the new leader was not in the ISR, acknowledged records may be lost",
            "UNCLEAN leader 选举：新 leader 不在 ISR 中，已确认的消息可能丢失",
        ),
        ChangeReason::PreferredElection => l.t("preferred leader election", "首选 leader 选举"),
        ChangeReason::BrokerFenced => l.t("broker fenced", "broker 被隔离"),
        ChangeReason::BrokerUnfenced => l.t("broker unfenced", "broker 解除隔离"),
        ChangeReason::AlterPartition => l.t("AlterPartition", "经 AlterPartition 提交"),
    }
}

/// One event as a log line (without the time), in the page language.
/// A transactional producer's step, in either language.
fn txn_step(zh: bool, producer: &str, id: &str, step: &kplay_engine::events::TxnStep) -> String {
    use kplay_engine::events::TxnStep::*;
    let tps = |v: &[kplay_engine::ids::TopicPartition]| {
        v.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    match (step, zh) {
        (Begin, false) => format!("{producer} beginTransaction() ({id})"),
        (Begin, true) => format!("{producer} 调用 beginTransaction()（{id}）"),
        (PartitionsAdded { partitions }, false) => {
            format!(
                "{producer} AddPartitionsToTxn [{}] ok ({id})",
                tps(partitions)
            )
        }
        (PartitionsAdded { partitions }, true) => {
            format!(
                "{producer} AddPartitionsToTxn [{}] 成功：这些分区加入了事务（{id}）",
                tps(partitions)
            )
        }
        (OffsetsSent { group, offsets }, _) => {
            let v: Vec<String> = offsets.iter().map(|(tp, o)| format!("{tp}={o}")).collect();
            if zh {
                format!("{producer} sendOffsetsToTransaction 消费组 {group} {}（随事务一起提交或中止；{id}）", v.join(" "))
            } else {
                format!(
                    "{producer} sendOffsetsToTransaction group {group} {} ({id})",
                    v.join(" ")
                )
            }
        }
        (EndRequested { commit }, false) => format!(
            "{producer} {}() ({id})",
            if *commit {
                "commitTransaction"
            } else {
                "abortTransaction"
            }
        ),
        (EndRequested { commit }, true) => format!(
            "{producer} 调用 {}()（{id}）",
            if *commit {
                "commitTransaction"
            } else {
                "abortTransaction"
            }
        ),
        (Completed { commit }, false) => format!(
            "{producer} transaction {} ({id})",
            if *commit { "committed" } else { "aborted" }
        ),
        (Completed { commit }, true) => format!(
            "{producer} 事务已{}（{id}）",
            if *commit { "提交" } else { "中止" }
        ),
    }
}

pub fn render(l: Lang, kind: &EventKind) -> String {
    use EventKind::*;
    let zh = l == Lang::Zh;
    match kind {
        TopicCreated {
            topic,
            partitions,
            replication_factor,
            assignment: a,
        } => {
            let a = assignment(a, 0);
            if zh {
                format!("topic {topic} 已创建 partitions={partitions} replication.factor={replication_factor} 副本分配 {a}")
            } else {
                format!("topic {topic} created partitions={partitions} replication.factor={replication_factor} assignment {a}")
            }
        }
        PartitionsCreated {
            topic,
            from,
            to,
            assignment: a,
        } => {
            let a = assignment(a, *from);
            if zh {
                format!(
                    "topic {topic} 分区数 {from}→{to}（key 重新映射：murmur2 % {to}）副本分配 {a}"
                )
            } else {
                format!("topic {topic} partitions {from}→{to} (keys remap: murmur2 % {to}) assignment {a}")
            }
        }
        CommandFailed {
            command,
            error,
            message,
        } => {
            if zh {
                format!("命令 {command} 失败：{error}（{message}）")
            } else {
                format!("command {command} failed: {error} ({message})")
            }
        }
        ConfigChanged { entity, key, value } => {
            if zh {
                format!("配置 {entity} {key}={value}")
            } else {
                format!("config {entity} {key}={value}")
            }
        }
        ProducerAdded { producer } => {
            if zh {
                format!("已添加 producer {producer}")
            } else {
                format!("producer {producer} added")
            }
        }
        BrokerCrashed { broker } => {
            if zh {
                format!("{broker} 崩溃")
            } else {
                format!("{broker} crashed")
            }
        }
        BrokerRestarted { broker } => {
            if zh {
                format!("{broker} 已重启")
            } else {
                format!("{broker} restarted")
            }
        }
        ControllerCrashed { controller } => {
            if zh {
                format!("controller-{controller} 崩溃")
            } else {
                format!("controller-{controller} crashed")
            }
        }
        ControllerRestarted { controller } => {
            if zh {
                format!("controller-{controller} 已重启")
            } else {
                format!("controller-{controller} restarted")
            }
        }
        QuorumProspective {
            controller,
            epoch,
            reason,
        } => {
            if zh {
                let why = if reason.starts_with("fetch timeout") {
                    "fetch 超时：收不到 leader 的响应"
                } else {
                    "选举超时：没有 leader"
                };
                format!("controller-{controller} 在 epoch {epoch} 进入 prospective（{why}），请求预投票 (pre-vote)")
            } else {
                format!("controller-{controller} prospective in epoch {epoch} ({reason}): asking for pre-votes")
            }
        }
        QuorumElectionStarted { controller, epoch } => {
            if zh {
                format!("controller-{controller} 成为 epoch {epoch} 的候选者 (candidate)，请求投票")
            } else {
                format!("controller-{controller} candidate for epoch {epoch}: asking for votes")
            }
        }
        QuorumVoted {
            controller,
            candidate,
            epoch,
        } => {
            if zh {
                format!("controller-{controller} 在 epoch {epoch} 投票给 controller-{candidate}")
            } else {
                format!("controller-{controller} voted for controller-{candidate} in epoch {epoch}")
            }
        }
        QuorumLeaderElected {
            controller,
            epoch,
            votes,
        } => {
            let v: Vec<String> = votes.iter().map(|v| v.to_string()).collect();
            if zh {
                format!(
                    "controller-{controller} 当选 epoch {epoch} 的仲裁 leader（票数来自 [{}]）",
                    v.join(",")
                )
            } else {
                format!("controller-{controller} elected quorum leader for epoch {epoch} (votes from [{}])", v.join(","))
            }
        }
        QuorumFollowing {
            controller,
            leader,
            epoch,
        } => {
            if zh {
                format!("controller-{controller} 在 epoch {epoch} 跟随 controller-{leader}")
            } else {
                format!("controller-{controller} follows controller-{leader} in epoch {epoch}")
            }
        }
        QuorumLeaderResigned {
            controller,
            epoch,
            reason,
        } => {
            if zh {
                format!("controller-{controller} 辞去 epoch {epoch} 的仲裁 leader：{reason}")
            } else {
                format!(
                    "controller-{controller} resigned as quorum leader of epoch {epoch}: {reason}"
                )
            }
        }
        MetadataCommitted {
            controller,
            epoch,
            from,
            to,
        } => {
            if zh {
                format!("controller-{controller} 元数据 HW {from}→{to}（已被多数派提交，epoch {epoch}）")
            } else {
                format!("controller-{controller} metadata HW {from}→{to} (committed by a majority, epoch {epoch})")
            }
        }
        MetadataLogTruncated {
            controller,
            to_offset,
            removed,
        } => {
            if zh {
                format!("controller-{controller} 把元数据日志截断到 offset {to_offset}（丢弃 {removed} 条未提交记录）")
            } else {
                let rec = if *removed == 1 { "record" } else { "records" };
                format!("controller-{controller} truncated its metadata log to offset {to_offset} ({removed} uncommitted {rec} discarded)")
            }
        }
        ControllerActivated { controller, epoch } => {
            if zh {
                format!("controller-{controller} 成为活跃 controller（epoch {epoch}）")
            } else {
                format!("controller-{controller} is the active controller (epoch {epoch})")
            }
        }
        ControllerRenounced {
            controller,
            epoch,
            uncommitted,
        } => {
            if zh {
                format!("controller-{controller} 不再是活跃 controller（epoch {epoch}）；放弃 {uncommitted} 条未提交的元数据记录")
            } else {
                let rec = if *uncommitted == 1 {
                    "record"
                } else {
                    "records"
                };
                format!("controller-{controller} is no longer active (epoch {epoch}); {uncommitted} uncommitted metadata {rec} abandoned")
            }
        }
        // Consumer and group events: rendered in consumer_text.rs.
        TargetAssignmentComputed {
            broker,
            group,
            group_epoch,
            assignor,
            assignment,
        } => {
            let v: Vec<String> = assignment
                .iter()
                .map(|(m, t)| format!("{m}→{}", tps_text(t)))
                .collect();
            if zh {
                format!("{broker} 为消费组 {group} 计算了新的目标分配（组 epoch={group_epoch}，{assignor} 分配器）：{}", v.join(" "))
            } else {
                format!("{broker} computed a new target assignment for group {group} (group epoch={group_epoch}, {assignor} assignor): {}", v.join(" "))
            }
        }
        MemberReconciled {
            broker,
            group,
            member,
            member_epoch,
            state,
            assigned,
            pending_revocation,
        } => {
            let why_zh = match state.as_str() {
                "UNREVOKED_PARTITIONS" => "必须先撤销分区",
                "UNRELEASED_PARTITIONS" => "等待其他成员释放分区",
                _ => "已与目标一致",
            };
            let why_en = match state.as_str() {
                "UNREVOKED_PARTITIONS" => "must revoke first",
                "UNRELEASED_PARTITIONS" => "waits for partitions others still own",
                _ => "reconciled",
            };
            let revoking = if pending_revocation.is_empty() {
                String::new()
            } else if zh {
                format!("，待撤销 {}", tps_text(pending_revocation))
            } else {
                format!(", revoking {}", tps_text(pending_revocation))
            };
            if zh {
                format!("{broker} 消费组 {group} 成员 {member} epoch={member_epoch} {state}（{why_zh}）：分配 {}{revoking}", tps_text(assigned))
            } else {
                format!("{broker} group {group} member {member} epoch={member_epoch} {state} ({why_en}): assigned {}{revoking}", tps_text(assigned))
            }
        }
        ConsumerGroupMemberFenced {
            broker,
            group,
            member,
            member_epoch,
            group_epoch,
            reason,
        } => {
            if zh {
                format!("{broker} 消费组 {group} 移除并隔离成员 {member}（epoch {member_epoch}）：{reason}；组 epoch 升为 {group_epoch}，它的分区将被重新分配")
            } else {
                format!("{broker} group {group} fenced member {member} (epoch {member_epoch}): {reason}; group epoch is now {group_epoch}, its partitions move")
            }
        }
        StaticMemberReplaced {
            broker,
            group,
            instance_id,
            old_member,
            new_member,
            rebalance,
        } => {
            if zh {
                let r = if *rebalance {
                    "需要再平衡"
                } else {
                    "不触发再平衡，保留原来的分区"
                };
                format!("{broker} 消费组 {group} 静态成员 {instance_id}：{new_member} 取代 {old_member}（{r}）")
            } else {
                let r = if *rebalance {
                    "rebalance"
                } else {
                    "no rebalance, it keeps the old partitions"
                };
                format!("{broker} group {group} static member {instance_id}: {new_member} replaces {old_member} ({r})")
            }
        }
        PartitionsRevoked {
            consumer,
            group,
            member_epoch,
            revoked,
        } => {
            if zh {
                format!(
                    "{consumer}（消费组 {group}，epoch={member_epoch}）撤销了 {}，下一次心跳确认",
                    tps_text(revoked)
                )
            } else {
                format!("{consumer} (group {group}, epoch={member_epoch}) revoked {}; the next heartbeat acknowledges it", tps_text(revoked))
            }
        }
        ConsumerFenced {
            consumer,
            group,
            error,
            lost,
        } => {
            if zh {
                format!(
                    "{consumer} 在消费组 {group} 中被隔离（{error}）：失去 {}，以 epoch 0 重新加入",
                    tps_text(lost)
                )
            } else {
                format!("{consumer} was fenced from group {group} ({error}): lost {}, rejoining with epoch 0", tps_text(lost))
            }
        }
        TxnStateChanged {
            broker,
            transactional_id,
            producer_id,
            producer_epoch,
            from,
            to,
            partitions,
        } => {
            let parts: Vec<String> = partitions.iter().map(|t| t.to_string()).collect();
            let parts = if parts.is_empty() {
                String::new()
            } else {
                format!(" [{}]", parts.join(","))
            };
            if zh {
                format!("{broker} 事务 {transactional_id}（producerId={producer_id} epoch={producer_epoch}）状态 {from} → {to}{parts}（已写入 __transaction_state）")
            } else {
                format!("{broker} transaction {transactional_id} (producerId={producer_id} epoch={producer_epoch}) {from} → {to}{parts}")
            }
        }
        TxnCoordinatorLoaded {
            broker,
            partition,
            leader_epoch,
            transactions,
        } => {
            if zh {
                format!("{broker} 成为 __transaction_state-{partition} 的事务协调者（epoch {}）：从日志加载了 {transactions} 个 transactional.id", leader_epoch.0)
            } else {
                format!("{broker} transaction coordinator for __transaction_state-{partition} (epoch {}): loaded {transactions} transactional id(s) from the log", leader_epoch.0)
            }
        }
        TxnCoordinatorUnloaded {
            broker,
            partition,
            transactions,
        } => {
            if zh {
                format!("{broker} 不再协调 __transaction_state-{partition}：卸载 {transactions} 个 transactional.id")
            } else {
                format!("{broker} no longer coordinates __transaction_state-{partition}: {transactions} transactional id(s) unloaded")
            }
        }
        TxnMarkerWritten {
            broker,
            tp,
            offset,
            producer_id,
            commit,
        } => {
            let m = if *commit { "COMMIT" } else { "ABORT" };
            if zh {
                format!("{broker} 在 {tp} 的位移 {} 写入 producerId={producer_id} 的 {m} 标记（控制记录）", offset.0)
            } else {
                format!(
                    "{broker} wrote {m} marker for producerId={producer_id} to {tp} at offset {}",
                    offset.0
                )
            }
        }
        TxnTimedOut {
            broker,
            transactional_id,
            producer_id,
            producer_epoch,
            timeout_ms,
        } => {
            if zh {
                format!("{broker} 事务 {transactional_id}（producerId={producer_id} epoch={producer_epoch}）开启超过 transaction.timeout.ms={timeout_ms}：隔离该 producer 并中止事务")
            } else {
                format!("{broker} transaction {transactional_id} (producerId={producer_id} epoch={producer_epoch}) open longer than transaction.timeout.ms={timeout_ms}: fencing and aborting")
            }
        }
        TxnProducerFenced {
            broker,
            transactional_id,
            producer_id,
            old_epoch,
            new_epoch,
        } => {
            if zh {
                format!("{broker} 事务 {transactional_id}：新的 producer 调用了 InitProducerId；producerId={producer_id} epoch {old_epoch} → {new_epoch}，隔离旧 producer（僵尸）并中止它未完成的事务")
            } else {
                format!("{broker} transaction {transactional_id}: a new producer called InitProducerId; producerId={producer_id} epoch {old_epoch} → {new_epoch} fences the old one and aborts its open transaction")
            }
        }
        TxnTopicCreationFailed { error, message } => {
            if zh {
                format!("无法创建 __transaction_state：{error}（{message}）；FindCoordinator 返回 COORDINATOR_NOT_AVAILABLE")
            } else {
                format!("cannot create __transaction_state: {error} ({message}); FindCoordinator answers COORDINATOR_NOT_AVAILABLE")
            }
        }
        TxnClient {
            producer,
            transactional_id,
            step,
        } => txn_step(zh, producer, transactional_id, step),
        TxnClientError {
            producer,
            api,
            error,
            state,
        } => {
            if zh {
                format!("{producer} {api} 失败：{error}（事务管理器 → {state}）")
            } else {
                format!("{producer} {api} failed: {error} (transaction manager → {state})")
            }
        }
        RecordToDeadLetterQueue {
            consumer,
            tp,
            offset,
            dlq,
        } => {
            if zh {
                format!("{consumer} 处理 {tp}@{offset} 失败：消息被发送到死信主题 {dlq}")
            } else {
                format!("{consumer} processing {tp}@{offset} failed: record sent to dead-letter topic {dlq}")
            }
        }
        // Consumer-group events: the engine's English line until the UI gets consumer views.
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
        | OffsetCommitCompleted { .. } => crate::consumer_text::render(l, kind).unwrap_or_default(),
        BrokerRegistered {
            broker,
            broker_epoch,
        } => {
            if zh {
                format!(
                    "controller 注册了 {broker} broker.epoch={broker_epoch}（发出心跳前保持隔离）"
                )
            } else {
                format!("controller registered {broker} broker.epoch={broker_epoch} (fenced until it heartbeats)")
            }
        }
        BrokerFenced {
            broker,
            ms_since_heartbeat,
        } => {
            if zh {
                format!("controller 隔离了 {broker}：{ms_since_heartbeat} ms 没有心跳")
            } else {
                format!("controller fenced {broker}: no heartbeat for {ms_since_heartbeat}ms")
            }
        }
        BrokerUnfenced { broker } => {
            if zh {
                format!("controller 解除了 {broker} 的隔离")
            } else {
                format!("controller unfenced {broker}")
            }
        }
        PartitionChanged {
            tp,
            leader,
            leader_epoch,
            isr,
            partition_epoch,
            reason: r,
        } => format!(
            "{tp} leader={} leaderEpoch={} isr={} partitionEpoch={partition_epoch}{}{}{}",
            opt_broker(*leader),
            leader_epoch.0,
            ids(isr),
            l.t(" (", "（"),
            reason(l, *r),
            l.t(")", "）"),
        ),
        BecameLeader {
            broker,
            tp,
            leader_epoch,
            log_end_offset,
        } => {
            if zh {
                format!(
                    "{broker} 成为 {tp} 的 leader epoch={} LEO={}",
                    leader_epoch.0, log_end_offset.0
                )
            } else {
                format!(
                    "{broker} is leader of {tp} epoch={} LEO={}",
                    leader_epoch.0, log_end_offset.0
                )
            }
        }
        BecameFollower {
            broker,
            tp,
            leader,
            leader_epoch,
        } => {
            if zh {
                match leader {
                    Some(l) => format!("{broker} 在 {tp} 上跟随 {} epoch={}", l.0, leader_epoch.0),
                    // No leader to follow: the partition is offline.
                    None => format!(
                        "{broker} 是 {tp} 的 follower，但当前没有 leader（分区离线）epoch={}",
                        leader_epoch.0
                    ),
                }
            } else {
                format!(
                    "{broker} follows {} for {tp} epoch={}",
                    opt_broker(*leader),
                    leader_epoch.0
                )
            }
        }
        AlterPartitionSent {
            broker,
            tp,
            proposed_isr,
            why,
        } => {
            if zh {
                format!(
                    "{broker} 发送 AlterPartition {tp} isr→{}（{}）",
                    ids(proposed_isr),
                    why_zh(why)
                )
            } else {
                format!(
                    "{broker} AlterPartition {tp} isr→{} ({why})",
                    ids(proposed_isr)
                )
            }
        }
        AlterPartitionFailed { broker, tp, error } => {
            if zh {
                format!("{broker} 的 AlterPartition {tp} 失败：{error}")
            } else {
                format!("{broker} AlterPartition {tp} failed: {error}")
            }
        }
        RecordAccumulated {
            id,
            producer,
            tp,
            key,
            batch,
            partitioner,
        } => {
            let key = key.as_deref().unwrap_or("null");
            if zh {
                let how = match partitioner.as_str() {
                    "murmur2" => "按 key 的 murmur2",
                    "sticky" => "粘性分区",
                    "round-robin" => "轮询",
                    _ => "指定分区",
                };
                format!(
                    "{producer} send() produce#{} key={key} → {tp}（{how}），放入批次 #{}",
                    id.0, batch.0
                )
            } else {
                format!(
                    "{producer} send() produce#{} key={key} → {tp} ({partitioner}) into batch #{}",
                    id.0, batch.0
                )
            }
        }
        BatchSent {
            producer,
            batch,
            tp,
            to,
            records,
            bytes,
            attempt,
            base_sequence,
            acks,
        } => {
            let seq = base_sequence
                .map(|s| format!(" seq={s}"))
                .unwrap_or_default();
            if zh {
                let again = if *attempt > 1 {
                    format!("（第 {attempt} 次尝试）")
                } else {
                    String::new()
                };
                format!(
                    "{producer} 向 {to} 发送批次 #{}（{records} 条消息，{bytes} B），{tp} acks={acks}{seq}{again}",
                    batch.0
                )
            } else {
                let plural = if *records == 1 { "" } else { "s" };
                let again = if *attempt > 1 {
                    format!(" (attempt {attempt})")
                } else {
                    String::new()
                };
                format!(
                    "{producer} sends batch #{} ({records} record{plural}, {bytes} B) to {to} for {tp} acks={acks}{seq}{again}",
                    batch.0
                )
            }
        }
        BatchRetrying {
            producer,
            batch,
            tp,
            error,
            attempt,
            backoff_ms,
        } => {
            if zh {
                format!(
                    "{producer} 的批次 #{}（{tp}）第 {attempt} 次发送失败：{error}，{backoff_ms} ms 后重试",
                    batch.0
                )
            } else {
                format!(
                    "{producer} batch #{} for {tp} failed with {error} (attempt {attempt}): retrying in {backoff_ms}ms",
                    batch.0
                )
            }
        }
        SendBlocked {
            id,
            producer,
            tp,
            needed,
            available,
        } => {
            if zh {
                format!(
                    "{producer} 的 send() produce#{}（{tp}）阻塞：新批次需要 {needed} B 的 buffer.memory，只剩 {available} B",
                    id.0
                )
            } else {
                format!(
                    "{producer} send() produce#{} for {tp} blocks: a new batch needs {needed} B of buffer.memory, {available} B free",
                    id.0
                )
            }
        }
        ProducerIdAssigned {
            producer,
            producer_id,
            producer_epoch,
        } => {
            if zh {
                format!("{producer} 获得 producerId={producer_id} epoch={producer_epoch}（幂等）")
            } else {
                format!(
                    "{producer} got producerId={producer_id} epoch={producer_epoch} (idempotent)"
                )
            }
        }
        Appended {
            broker,
            tp,
            offset,
            leader_epoch,
            records,
        } => {
            let at = if *records <= 1 {
                format!("{}", offset.0)
            } else {
                format!("{}..{}", offset.0, offset.0 + records - 1)
            };
            if zh {
                format!("{broker} 追加写入 {tp}@{at} epoch={}", leader_epoch.0)
            } else {
                format!("{broker} appended {tp}@{at} epoch={}", leader_epoch.0)
            }
        }
        BatchRecompressed {
            broker,
            tp,
            from,
            to,
            bytes_before,
            bytes_after,
        } => {
            if zh {
                format!("{broker} 按 topic 的 compression.type 把 {tp} 的批次从 {from} 重新压缩为 {to}：{bytes_before} B → {bytes_after} B")
            } else {
                format!("{broker} recompressed a batch for {tp} from {from} to {to} (topic compression.type): {bytes_before} B → {bytes_after} B")
            }
        }
        DuplicateBatch {
            broker,
            tp,
            producer_id,
            base_sequence,
            base_offset,
        } => {
            if zh {
                format!(
                    "{broker} {tp}：producer {producer_id} 的批次 seq={base_sequence} 与 offset {} 重复，不再写入",
                    base_offset.0
                )
            } else {
                format!(
                    "{broker} {tp}: batch seq={base_sequence} of producer {producer_id} is a duplicate of offset {}: not appended again",
                    base_offset.0
                )
            }
        }
        ProduceSequenceRejected {
            broker,
            tp,
            producer_id,
            base_sequence,
            expected,
            error,
        } => {
            if zh {
                format!(
                    "{broker} 拒绝 producer {producer_id} 发往 {tp} 的批次 seq={base_sequence}：{error}（期望 seq={expected}）"
                )
            } else {
                format!(
                    "{broker} rejected batch seq={base_sequence} of producer {producer_id} for {tp}: {error} (expected seq={expected})"
                )
            }
        }
        ProduceRejected {
            broker,
            tp,
            error,
            isr,
            min_isr,
        } => {
            if zh {
                format!(
                    "{broker} 拒绝了写入 {tp} 的 produce：{error} isr={} min.insync.replicas={min_isr}",
                    ids(isr)
                )
            } else {
                format!(
                    "{broker} rejected produce to {tp}: {error} isr={} min.insync.replicas={min_isr}",
                    ids(isr)
                )
            }
        }
        Replicated {
            broker,
            tp,
            from,
            to,
        } => {
            if zh {
                format!("{broker} 拉取了 {tp}，LEO {}→{}", from.0, to.0)
            } else {
                format!("{broker} fetched {tp} LEO {}→{}", from.0, to.0)
            }
        }
        HighWatermarkAdvanced { broker, tp, hw } => {
            if zh {
                format!("{broker} {tp} HW 推进到 {}", hw.0)
            } else {
                format!("{broker} {tp} HW={}", hw.0)
            }
        }
        RecordRejected {
            broker,
            tp,
            error,
            batch_index,
            message,
        } => {
            if zh {
                format!("{broker} 拒绝了发往 {tp} 的写入：{error}（批次中第 {batch_index} 条消息）：{message}")
            } else {
                format!("{broker} rejected produce to {tp}: {error} (record {batch_index} of the batch): {message}")
            }
        }
        SegmentRolled {
            broker,
            tp,
            base_offset,
            closed_bytes,
        } => {
            if zh {
                format!(
                    "{broker} {tp} 滚动出新日志段，起始 offset {}（关闭的段 {closed_bytes} 字节）",
                    base_offset.0
                )
            } else {
                format!(
                    "{broker} {tp} rolled a new segment at offset {} (closed one of {closed_bytes} bytes)",
                    base_offset.0
                )
            }
        }
        LogCleaned {
            broker,
            tp,
            dirty_ratio,
            first_dirty_offset,
            end_offset,
            records_removed,
            tombstones_removed,
            bytes_before,
            bytes_after,
        } => {
            let ratio = kplay_engine::segment::format_ratio(*dirty_ratio);
            let (from, to) = (first_dirty_offset.0, end_offset.0);
            if zh {
                format!("{broker} 压缩了 {tp}：脏数据比例 {ratio}，offset {from}..{to}，删除 {records_removed} 条消息（其中墓碑 {tombstones_removed} 条），{bytes_before}→{bytes_after} 字节，清理检查点 {to}")
            } else {
                let s = if *records_removed == 1 { "" } else { "s" };
                let ts = if *tombstones_removed == 1 { "" } else { "s" };
                format!("{broker} cleaned {tp}: dirty ratio {ratio} over offsets {from}..{to}, removed {records_removed} record{s} ({tombstones_removed} tombstone{ts}), {bytes_before}→{bytes_after} bytes, checkpoint {to}")
            }
        }
        SegmentsDeleted {
            broker,
            tp,
            reason,
            segments,
            records,
            bytes,
            log_start_offset,
        } => {
            let bases: Vec<String> = segments.iter().map(|o| o.0.to_string()).collect();
            let bases = bases.join(",");
            let n = segments.len();
            let start = log_start_offset.0;
            if zh {
                let why = match reason {
                    kplay_engine::cleaner::RetentionReason::RetentionMs => "retention.ms（超时）",
                    kplay_engine::cleaner::RetentionReason::RetentionBytes => {
                        "retention.bytes（超过大小）"
                    }
                    kplay_engine::cleaner::RetentionReason::LogStartOffset => {
                        "日志起始 offset（跟随 leader）"
                    }
                };
                format!("{broker} {tp} 按 {why} 删除了 {n} 个日志段 [{bases}]（{records} 条消息，{bytes} 字节）；日志起始 offset 变为 {start}")
            } else {
                let s = if n == 1 { "" } else { "s" };
                format!("{broker} {tp} deleted {n} segment{s} [{bases}] by {} ({records} records, {bytes} bytes); log start offset {start}", reason.name())
            }
        }
        Truncated {
            broker,
            tp,
            from,
            to,
            lost,
        } => {
            if zh {
                format!(
                    "{broker} 截断了 {tp}，LEO {}→{}（丢弃 {lost} 条消息）",
                    from.0, to.0
                )
            } else {
                format!(
                    "{broker} truncated {tp} LEO {}→{} ({lost} {} discarded)",
                    from.0,
                    to.0,
                    if *lost == 1 { "record" } else { "records" }
                )
            }
        }
        NetworkPartitioned { a, b } => {
            if zh {
                format!("{a} 与 {b} 之间的网络被切断")
            } else {
                format!("network cut between {a} and {b}")
            }
        }
        NodeIsolated { node } => {
            if zh {
                format!("{node} 与其他所有节点隔离")
            } else {
                format!("{node} isolated from every other node")
            }
        }
        NetworkHealed { cuts_removed } => {
            if zh {
                format!("网络已恢复（恢复了 {cuts_removed} 条被切断的链路）")
            } else {
                format!("network healed ({cuts_removed} cut links restored)")
            }
        }
        NodeSlowed {
            node,
            extra_latency_ms: 0,
        } => {
            if zh {
                format!("{node} 恢复正常网速")
            } else {
                format!("{node} back to normal network speed")
            }
        }
        NodeSlowed {
            node,
            extra_latency_ms,
        } => {
            if zh {
                format!("{node} 变慢：每个信封 +{extra_latency_ms}ms")
            } else {
                format!("{node} slowed: +{extra_latency_ms}ms per envelope")
            }
        }
        EnvelopeHeld { id, api, from, to } => {
            if zh {
                format!("信封 #{id} {api} {from}→{to} 已扣留")
            } else {
                format!("envelope #{id} {api} {from}→{to} held")
            }
        }
        EnvelopeReleased { id, api, from, to } => {
            if zh {
                format!("信封 #{id} {api} {from}→{to} 已放行")
            } else {
                format!("envelope #{id} {api} {from}→{to} released")
            }
        }
        EnvelopeDropped { id, api, from, to } => {
            if zh {
                format!("信封 #{id} {api} {from}→{to} 已丢弃")
            } else {
                format!("envelope #{id} {api} {from}→{to} dropped")
            }
        }
        EnvelopeLost { id, api, from, to } => {
            if zh {
                format!("信封 #{id} {api} {from}→{to} 在被切断的链路上丢失")
            } else {
                format!("envelope #{id} {api} {from}→{to} lost on a cut link")
            }
        }
        PerfTestStarted {
            producer,
            topic,
            num_records,
            record_size,
            throughput,
        } => {
            let cmd = format!("kafka-producer-perf-test --topic {topic} --num-records {num_records} --record-size {record_size} --throughput {throughput}");
            if zh {
                format!("{producer} 开始压测：{cmd}")
            } else {
                format!("{producer} starts {cmd}")
            }
        }
        PerfTestProgress {
            producer,
            records,
            window_ms,
            bytes,
            latency_ms_sum,
            latency_ms_max,
        } => {
            let (rate, mb, avg) = perf_rates(*records, *window_ms, *bytes, *latency_ms_sum, 1);
            if zh {
                format!("{producer} 压测进度：{records} 条记录，{rate} 条/秒（{mb} MB/秒），平均延迟 {avg} ms，最大延迟 {latency_ms_max} ms")
            } else {
                format!("{producer} perf-test: {records} records sent, {rate} records/sec ({mb} MB/sec), {avg} ms avg latency, {latency_ms_max}.0 ms max latency.")
            }
        }
        PerfTestFinished {
            producer,
            records,
            errors,
            elapsed_ms,
            bytes,
            latency_ms_sum,
            latency_ms_max,
            p50_ms,
            p95_ms,
            p99_ms,
            p999_ms,
        } => {
            let (rate, mb, avg) = perf_rates(*records, *elapsed_ms, *bytes, *latency_ms_sum, 2);
            if zh {
                format!("{producer} 压测完成：{records} 条记录（失败 {errors}），{rate} 条/秒（{mb} MB/秒），平均延迟 {avg} ms，最大 {latency_ms_max} ms，p50 {p50_ms} ms，p95 {p95_ms} ms，p99 {p99_ms} ms，p99.9 {p999_ms} ms")
            } else {
                format!("{producer} perf-test: {records} records sent ({errors} failed), {rate} records/sec ({mb} MB/sec), {avg} ms avg latency, {latency_ms_max}.00 ms max latency, {p50_ms} ms 50th, {p95_ms} ms 95th, {p99_ms} ms 99th, {p999_ms} ms 99.9th.")
            }
        }
        ProduceCompleted {
            id,
            producer,
            tp,
            acks,
            outcome,
            latency_ms,
        } => match outcome {
            ProduceOutcome::Ok { offset } => {
                if zh {
                    format!(
                        "{producer} produce#{} {tp} acks={acks} 成功 offset={offset}（{latency_ms}ms）",
                        id.0
                    )
                } else {
                    format!(
                        "{producer} produce#{} {tp} acks={acks} OK offset={offset} ({latency_ms}ms)",
                        id.0
                    )
                }
            }
            ProduceOutcome::Err { error, message } => {
                if zh {
                    format!(
                        "{producer} produce#{} {tp} acks={acks} 失败 {error}：{message}（{latency_ms}ms）",
                        id.0
                    )
                } else {
                    format!(
                        "{producer} produce#{} {tp} acks={acks} FAILED {error}: {message} ({latency_ms}ms)",
                        id.0
                    )
                }
            }
        },
    }
}

/// `[orders-0,orders-1]`.
fn tps_text(tps: &[kplay_engine::ids::TopicPartition]) -> String {
    let v: Vec<String> = tps.iter().map(|t| t.to_string()).collect();
    format!("[{}]", v.join(","))
}
