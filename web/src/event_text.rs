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
        | ConsumerLifecycle { .. } => {
            let line = kplay_engine::Event {
                at_ms: 0,
                kind: kind.clone(),
            }
            .to_string();
            line.split_once("ms ")
                .map_or(line.clone(), |(_, rest)| rest.to_string())
        }
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
