//! `kafka-producer-perf-test.sh` on a simulated producer: the load generator Kafka ships for
//! measuring a producer, and the playground's way to put real load on a cluster.
//!
//! Ported from Kafka's `ProducerPerformance` (tools): one payload of `record-size` random
//! uppercase letters is built once and sent `num-records` times with no key (so the uniform
//! sticky partitioner spreads it), throttled to `throughput` records/s by
//! `ThroughputThrottler` (`-1` = no throttling: `send()` is called as fast as it returns, and it
//! blocks when `buffer.memory` is used up). Every record still goes through the real pipeline —
//! partitioner, accumulator batches, sender, leader append, replication, acks — but the records
//! have no `send()` call of their own in the trace: the tool's progress lines (every 5 s) and
//! final summary are the events, as on a terminal.
//!
//! Simplification: the simulated application thread calls `send()` at most
//! [`MAX_SENDS_PER_MS`] times per simulated millisecond when unthrottled.

use super::*;

/// The most `send()` calls an unthrottled perf test makes per simulated ms (a Java client on
/// one thread manages on the order of a million `send()` calls a second).
pub const MAX_SENDS_PER_MS: u64 = 1_000;

/// `ProducerPerformance` prints a progress line per this many ms (`reportingInterval`).
pub const REPORTING_INTERVAL_MS: u64 = 5_000;

/// The placeholder id of a perf-test record in a batch: it has no [`ProduceCall`].
pub const PERF_RECORD: ProduceId = ProduceId(0);

/// What `ProducerPerformance.Stats` accumulates, over the whole run or one reporting window.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerfStats {
    pub start: Tick,
    /// Records completed (acknowledged or failed).
    pub records: u64,
    pub errors: u64,
    /// Value bytes of the completed records.
    pub bytes: u64,
    pub latency_ms_sum: u64,
    pub latency_ms_max: u64,
}

impl PerfStats {
    fn record(&mut self, n: u64, latency_ms: u64, record_size: u64, error: bool) {
        self.records += n;
        self.bytes += n * record_size;
        self.latency_ms_sum += n * latency_ms;
        self.latency_ms_max = self.latency_ms_max.max(latency_ms);
        if error {
            self.errors += n;
        }
    }
}

/// A running `kafka-producer-perf-test`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerfTest {
    pub topic: String,
    pub num_records: u64,
    pub record_size: u32,
    /// Records per second; -1 = no throttling.
    pub throughput: i64,
    /// The one payload every record carries (random uppercase letters, as the tool makes it).
    pub payload: Arc<str>,
    /// Records handed to `send()` so far.
    pub sent: u64,
    pub total: PerfStats,
    pub window: PerfStats,
    /// Latency histogram (ms → records), for the summary's percentiles.
    latencies: BTreeMap<u64, u64>,
    /// `send()` has been blocked on `buffer.memory` since then.
    blocked_since: Option<Tick>,
    pub finished: bool,
}

impl PerfTest {
    /// The latency at or below which `q`‰ of the records completed (Kafka's `Stats.percentiles`).
    pub fn percentile_ms(&self, per_mille: u64) -> u64 {
        let n: u64 = self.latencies.values().sum();
        let rank = (n * per_mille).div_ceil(1000).max(1);
        let mut seen = 0;
        for (ms, count) in &self.latencies {
            seen += count;
            if seen >= rank {
                return *ms;
            }
        }
        0
    }
}

/// `--throughput` must be positive or -1 (`ThroughputThrottler` with 0 would never send).
pub fn validate(num_records: u64, record_size: u32, throughput: i64) -> Result<(), String> {
    if num_records == 0 {
        return Err("--num-records must be at least 1".into());
    }
    if record_size == 0 || record_size > 1_000_000 {
        return Err("--record-size must be between 1 and 1000000 bytes".into());
    }
    if throughput == 0 || throughput < -1 {
        return Err(
            "--throughput must be a positive number of records/s, or -1 to disable throttling"
                .into(),
        );
    }
    Ok(())
}

impl Clients {
    /// Starts `kafka-producer-perf-test` on `producer`. The payload draws from `rng`.
    #[allow(clippy::too_many_arguments)]
    pub fn start_perf_test(
        &mut self,
        ctx: &mut Ctx,
        image: &Controller,
        producer: &str,
        topic: &str,
        num_records: u64,
        record_size: u32,
        throughput: i64,
    ) -> Result<(), (KafkaError, String)> {
        validate(num_records, record_size, throughput)
            .map_err(|m| (KafkaError::InvalidConfig, m))?;
        let Some(p) = self.producers.get_mut(producer) else {
            return Err((
                KafkaError::ConfigException,
                format!("No producer named '{producer}'"),
            ));
        };
        if p.perf.as_ref().is_some_and(|t| !t.finished) {
            return Err((
                KafkaError::InvalidRequest,
                format!("Producer '{producer}' is already running a perf test"),
            ));
        }
        if !p.partition_counts.contains_key(topic) {
            if p.partition_counts.is_empty() {
                p.metadata_expires_at = Tick(ctx.now.0 + p.settings.metadata_max_age);
            }
            p.refresh_topic(image, topic);
        }
        if !p.partition_counts.contains_key(topic) {
            return Err((
                KafkaError::UnknownTopicOrPartition,
                format!("Topic {topic} not present in metadata after 60000 ms."),
            ));
        }
        // Kafka: ProducerPerformance — `payload[i] = (byte) (random.nextInt(26) + 65)`.
        let payload: String = (0..record_size)
            .map(|_| (b'A' + ctx.rng.below(26) as u8) as char)
            .collect();
        let stats = PerfStats {
            start: ctx.now,
            ..PerfStats::default()
        };
        p.perf = Some(PerfTest {
            topic: topic.to_string(),
            num_records,
            record_size,
            throughput,
            payload: Arc::from(payload),
            sent: 0,
            total: stats.clone(),
            window: stats,
            latencies: BTreeMap::new(),
            blocked_since: None,
            finished: false,
        });
        ctx.emit(EventKind::PerfTestStarted {
            producer: producer.to_string(),
            topic: topic.to_string(),
            num_records,
            record_size,
            throughput,
        });
        Ok(())
    }

    /// One simulated ms of the perf test's send loop: as many `send()` calls as the throttler
    /// allows, each through the partitioner into the accumulator.
    pub(super) fn perf_tick(&mut self, ctx: &mut Ctx, name: &str) {
        let now = ctx.now;
        let Some(p) = self.producers.get_mut(name) else {
            return;
        };
        let Some(t) = p.perf.as_mut().filter(|t| !t.finished) else {
            return;
        };
        if now.0 >= t.window.start.0 + ticks_from_ms(REPORTING_INTERVAL_MS) {
            let w = std::mem::take(&mut t.window);
            t.window.start = now;
            ctx.emit(EventKind::PerfTestProgress {
                producer: name.to_string(),
                records: w.records,
                window_ms: (now.0 - w.start.0) * crate::config::MS_PER_TICK,
                bytes: w.bytes,
                latency_ms_sum: w.latency_ms_sum,
                latency_ms_max: w.latency_ms_max,
            });
        }
        if t.sent >= t.num_records {
            return;
        }
        // Kafka: ThroughputThrottler.shouldThrottle — no more than `throughput` records per
        // second since the start (the send of this ms included).
        let elapsed_ms = (now.0 - t.total.start.0) * crate::config::MS_PER_TICK;
        let allowed = if t.throughput < 0 {
            t.sent + MAX_SENDS_PER_MS
        } else {
            (t.throughput as u64 * (elapsed_ms + 1)).div_ceil(1000)
        };
        let budget = allowed.min(t.num_records).saturating_sub(t.sent);
        if budget == 0 {
            return;
        }
        let Some(&n) = p.partition_counts.get(&t.topic) else {
            return;
        };
        let topic = t.topic.clone();
        let value = t.payload.clone();
        let size = record_size(0, None, Some(&value));
        let alloc = p.settings.batch_size.max(RECORD_BATCH_OVERHEAD + size);
        let mut tp = TopicPartition::new(topic.as_str(), u32::MAX);
        let mut scratch = tp.clone();
        let mut sent = 0;
        while sent < budget {
            let partition = if p.settings.round_robin {
                round_robin_partition(p, &topic, n)
            } else {
                sticky_partition(p, ctx.rng, &mut scratch, n, size)
            };
            if tp.partition != partition {
                tp.partition = partition;
            }
            let open = p.accumulator.get(&tp).and_then(|d| d.back()).copied();
            let open = open.filter(|b| {
                self.batches.get(b).is_some_and(|b| {
                    b.attempts == 0
                        && b.in_flight.is_none()
                        && b.bytes + record_size(b.records.len() as u64, None, Some(&value))
                            <= p.settings.batch_size.max(b.bytes)
                })
            });
            let batch_id = match open {
                Some(b) => b,
                None if p.allocated + alloc > p.settings.buffer_memory || !p.blocked.is_empty() => {
                    // `send()` blocks in `BufferPool.allocate`; after `max.block.ms` it fails
                    // and the tool counts the error and goes on with the next record.
                    let t = p.perf.as_mut().expect("perf test checked above");
                    let since = *t.blocked_since.get_or_insert(now);
                    if now.0 >= since.0 + p.settings.max_block {
                        t.blocked_since = Some(now);
                        t.sent += 1;
                        t.total.record(1, 0, 0, true);
                        t.window.record(1, 0, 0, true);
                        self.stats.failed += 1;
                        maybe_finish(ctx, name, t);
                    }
                    break;
                }
                None => {
                    p.allocated += alloc;
                    self.next_batch += 1;
                    let b = BatchId(self.next_batch);
                    self.batches
                        .insert(b, ProducerBatch::new(b, name, tp.clone(), now, alloc));
                    p.accumulator.entry(tp.clone()).or_default().push_back(b);
                    b
                }
            };
            let b = self.batches.get_mut(&batch_id).expect("batch just found");
            b.bytes += record_size(b.records.len() as u64, None, Some(&value));
            b.records.push(PERF_RECORD);
            match b.perf_sends.last_mut() {
                Some((at, count)) if *at == now => *count += 1,
                _ => b.perf_sends.push((now, 1)),
            }
            sent += 1;
        }
        if let Some(t) = p.perf.as_mut() {
            t.sent += sent;
            if sent > 0 {
                t.blocked_since = None;
            }
        }
    }

    /// The perf-test records of a finished batch completed (acknowledged, or failed).
    pub(super) fn perf_complete(
        &mut self,
        ctx: &mut Ctx,
        producer: &str,
        perf_sends: &[(Tick, u32)],
        error: bool,
    ) {
        if perf_sends.is_empty() {
            return;
        }
        let now = ctx.now;
        let Some(t) = self
            .producers
            .get_mut(producer)
            .and_then(|p| p.perf.as_mut())
        else {
            return;
        };
        let size = u64::from(t.record_size);
        for &(at, count) in perf_sends {
            let n = u64::from(count);
            let latency = (now.0 - at.0.min(now.0)) * crate::config::MS_PER_TICK;
            t.total.record(n, latency, size, error);
            t.window.record(n, latency, size, error);
            *t.latencies.entry(latency).or_insert(0) += n;
            if error {
                self.stats.failed += n;
            } else {
                self.stats.ok += n;
            }
            self.stats.latency_ms_sum += n * latency;
            self.stats.latency_ms_last = latency;
            self.stats.latency_ms_max = self.stats.latency_ms_max.max(latency);
        }
        maybe_finish(ctx, producer, t);
    }
}

/// Prints the tool's summary once every record has completed.
fn maybe_finish(ctx: &mut Ctx, producer: &str, t: &mut PerfTest) {
    let now = ctx.now;
    if !t.finished && t.total.records >= t.num_records {
        t.finished = true;
        ctx.emit(EventKind::PerfTestFinished {
            producer: producer.to_string(),
            records: t.total.records,
            errors: t.total.errors,
            elapsed_ms: (now.0 - t.total.start.0) * crate::config::MS_PER_TICK,
            bytes: t.total.bytes,
            latency_ms_sum: t.total.latency_ms_sum,
            latency_ms_max: t.total.latency_ms_max,
            p50_ms: t.percentile_ms(500),
            p95_ms: t.percentile_ms(950),
            p99_ms: t.percentile_ms(990),
            p999_ms: t.percentile_ms(999),
        });
    }
}
