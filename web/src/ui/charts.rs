//! Metrics over simulated time: throughput, produce latency, ISR size and the partition-health
//! counters, and replication lag — drawn from the engine's sampled history
//! ([`kplay_engine::snapshot::MetricsSample`], every 250 simulated ms, the last minute).
//!
//! The charts are plain SVG written here rather than plotters' SVG backend: they take the
//! page's CSS colours (light and dark themes), carry an ARIA summary each, stay crisp at any
//! size, and add nothing to the wasm (the page is already over its transfer budget).

use crate::i18n::Lang;
use kplay_engine::snapshot::MetricsSample;
use yew::prelude::*;

/// The plot area inside the SVG's viewBox (0 0 W H).
const W: f64 = 320.0;
const H: f64 = 120.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 20.0;

/// One line of a chart: a CSS class for its colour, a legend label and (t_ms, value) points;
/// `None` leaves a gap (no data in that interval).
#[derive(Clone, PartialEq)]
pub struct Series {
    pub class: &'static str,
    pub label: String,
    pub points: Vec<(u64, Option<f64>)>,
    /// Drawn as steps (a count that changes at an instant) rather than straight segments.
    pub step: bool,
}

/// The series the four charts show, derived from the sampled counters.
pub struct Derived {
    pub acked_per_s: Vec<(u64, Option<f64>)>,
    pub errors_per_s: Vec<(u64, Option<f64>)>,
    pub latency_ms: Vec<(u64, Option<f64>)>,
    pub isr_members: Vec<(u64, Option<f64>)>,
    pub replicas: Vec<(u64, Option<f64>)>,
    pub under_replicated: Vec<(u64, Option<f64>)>,
    pub under_min_isr: Vec<(u64, Option<f64>)>,
    pub offline: Vec<(u64, Option<f64>)>,
    pub max_lag: Vec<(u64, Option<f64>)>,
}

/// Rates and means between consecutive samples (counters are totals since the start).
pub fn derive(h: &[MetricsSample]) -> Derived {
    let pairs = || h.windows(2).map(|w| (&w[0], &w[1]));
    let rate = |f: fn(&MetricsSample) -> u64| -> Vec<(u64, Option<f64>)> {
        pairs()
            .map(|(a, b)| {
                let dt = b.t_ms.saturating_sub(a.t_ms).max(1) as f64;
                (b.t_ms, Some(f(b).saturating_sub(f(a)) as f64 * 1000.0 / dt))
            })
            .collect()
    };
    let level = |f: fn(&MetricsSample) -> f64| h.iter().map(|s| (s.t_ms, Some(f(s)))).collect();
    Derived {
        acked_per_s: rate(|s| s.record_send_total),
        errors_per_s: rate(|s| s.record_error_total),
        latency_ms: pairs()
            .map(|(a, b)| {
                let n = b.completed_total.saturating_sub(a.completed_total);
                let sum = b.latency_ms_sum.saturating_sub(a.latency_ms_sum);
                (b.t_ms, (n > 0).then(|| sum as f64 / n as f64))
            })
            .collect(),
        isr_members: level(|s| s.isr_members as f64),
        replicas: level(|s| s.replicas as f64),
        under_replicated: level(|s| s.under_replicated_partitions as f64),
        under_min_isr: level(|s| s.under_min_isr_partition_count as f64),
        offline: level(|s| s.offline_partitions_count as f64),
        max_lag: level(|s| s.max_lag as f64),
    }
}

/// A round upper bound for the y axis (1, 2, 5 × 10ⁿ), at least `min`.
pub fn nice_max(v: f64, min: f64) -> f64 {
    let v = v.max(min);
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if v <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

/// A compact number: 950, 1.2k, 3.4M.
pub fn compact(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if v >= 10.0 || v == 0.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The SVG path of one series: `M x y L …` (or `H … V …` steps), broken where a value is
/// missing.
fn path(s: &Series, t0: u64, t1: u64, ymax: f64) -> String {
    let span = (t1 - t0).max(1) as f64;
    let x = |t: u64| LEFT + t.saturating_sub(t0) as f64 / span * (W - LEFT - RIGHT);
    let y = |v: f64| TOP + (1.0 - (v / ymax).min(1.0)) * (H - TOP - BOTTOM);
    let mut d = String::new();
    let pts = &s.points;
    for (i, &(t, v)) in pts.iter().enumerate() {
        let Some(v) = v else { continue };
        let (px, py) = (x(t), y(v));
        let after_gap = i == 0 || pts[i - 1].1.is_none();
        let before_gap = pts.get(i + 1).is_none_or(|p| p.1.is_none());
        if after_gap && before_gap {
            // A value with no neighbour (one interval with data): a short tick, so it shows.
            d.push_str(&format!(" M{:.1} {py:.1} H{:.1}", px - 3.0, px + 3.0));
        } else if after_gap {
            d.push_str(&format!(" M{px:.1} {py:.1}"));
        } else if s.step {
            d.push_str(&format!(" H{px:.1} V{py:.1}"));
        } else {
            d.push_str(&format!(" L{px:.1} {py:.1}"));
        }
    }
    d.trim_start().to_string()
}

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub lang: Lang,
    pub title: AttrValue,
    /// What the y axis counts, e.g. `records/s`.
    pub unit: AttrValue,
    pub series: Vec<Series>,
    /// The y axis never shows less than this (so a flat zero line sits at the bottom).
    pub min_max: f64,
    pub testid: AttrValue,
}

/// One small line chart with its title, current values and a legend.
#[function_component(Chart)]
pub fn chart(p: &ChartProps) -> Html {
    let l = p.lang;
    let ts = p
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|(t, _)| *t));
    let (t0, t1) = (ts.clone().min().unwrap_or(0), ts.max().unwrap_or(0));
    let peak = p
        .series
        .iter()
        .flat_map(|s| s.points.iter().filter_map(|(_, v)| *v))
        .fold(0.0, f64::max);
    let ymax = nice_max(peak, p.min_max);
    let last = |s: &Series| s.points.iter().rev().find_map(|(_, v)| *v);
    let summary = p
        .series
        .iter()
        .map(|s| {
            format!(
                "{} {} {}",
                s.label,
                last(s).map_or("–".to_string(), compact),
                p.unit
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let secs = |t: u64| format!("{:.1}s", t as f64 / 1000.0);
    let aria = if t1 > t0 {
        format!(
            "{}: {summary} ({} {}–{}; {} {} {})",
            p.title,
            l.t("from", "时间"),
            secs(t0),
            secs(t1),
            l.t("peak", "峰值"),
            compact(peak),
            p.unit
        )
    } else {
        format!("{}: {}", p.title, l.t("no data yet", "暂无数据"))
    };
    let grid_y = [0.0, 0.5, 1.0].map(|f| TOP + f * (H - TOP - BOTTOM));
    html! {
        <figure class="chart" data-testid={p.testid.clone()}>
            <figcaption class="chart-head">
                <span class="chart-title">{ p.title.clone() }</span>
                <span class="chart-values">
                    { for p.series.iter().map(|s| html! {
                        <span class={classes!("chart-value", s.class)}>
                            <i aria-hidden="true"></i>
                            { format!("{} {}", s.label, last(s).map_or("–".to_string(), compact)) }
                        </span>
                    }) }
                </span>
            </figcaption>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={aria} preserveAspectRatio="none">
                { for grid_y.iter().map(|y| html! {
                    <line class="chart-grid" x1={LEFT.to_string()} x2={(W - RIGHT).to_string()} y1={y.to_string()} y2={y.to_string()} />
                }) }
                <text class="chart-axis" x={(LEFT - 4.0).to_string()} y={(TOP + 4.0).to_string()} text-anchor="end">{ compact(ymax) }</text>
                <text class="chart-axis" x={(LEFT - 4.0).to_string()} y={(H - BOTTOM + 3.0).to_string()} text-anchor="end">{ "0" }</text>
                if t1 > t0 {
                    <text class="chart-axis" x={LEFT.to_string()} y={(H - 5.0).to_string()}>{ secs(t0) }</text>
                    <text class="chart-axis" x={(W - RIGHT).to_string()} y={(H - 5.0).to_string()} text-anchor="end">{ secs(t1) }</text>
                    <text class="chart-axis chart-unit" x={((W + LEFT) / 2.0).to_string()} y={(H - 5.0).to_string()} text-anchor="middle">{ p.unit.clone() }</text>
                }
                { for p.series.iter().map(|s| html! {
                    <path class={classes!("chart-line", s.class)} d={path(s, t0, t1, ymax)} vector-effect="non-scaling-stroke" />
                }) }
            </svg>
        </figure>
    }
}

#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    pub lang: Lang,
    pub history: Vec<MetricsSample>,
}

/// The four charts of the cluster's last simulated minute.
#[function_component(Charts)]
pub fn charts(p: &ChartsProps) -> Html {
    let l = p.lang;
    let d = derive(&p.history);
    let line = |class, label: &str, points: &Vec<(u64, Option<f64>)>, step| Series {
        class,
        label: label.to_string(),
        points: points.clone(),
        step,
    };
    html! {
        <section class="panel o-charts" aria-labelledby="charts-h" data-testid="charts">
            <div class="panel-head">
                <h2 id="charts-h">{ l.t("Metrics over time", "指标随时间变化") }</h2>
                <span class="panel-note">{ l.t("the last simulated minute, sampled every 250 ms", "最近一分钟（模拟时间），每 250 ms 采样") }</span>
            </div>
            <div class="charts-grid">
                <Chart lang={l} testid="chart-throughput" title={l.t("Throughput", "吞吐量")} unit={l.t("records/s", "条/秒")} min_max={10.0}
                    series={vec![
                        line("s-good", "record-send-rate", &d.acked_per_s, false),
                        line("s-bad", "record-error-rate", &d.errors_per_s, false),
                    ]} />
                <Chart lang={l} testid="chart-latency" title={l.t("Produce latency", "生产延迟")} unit={"ms"} min_max={10.0}
                    series={vec![line("s-primary", "request-latency-avg", &d.latency_ms, false)]} />
                <Chart lang={l} testid="chart-isr" title={l.t("ISR size and partition health", "ISR 大小与分区健康")} unit={l.t("replicas / partitions", "副本 / 分区")} min_max={3.0}
                    series={vec![
                        line("s-muted", l.t("replicas", "副本"), &d.replicas, true),
                        line("s-accent", l.t("ISR members", "ISR 成员"), &d.isr_members, true),
                        line("s-warn", "UnderReplicatedPartitions", &d.under_replicated, true),
                        line("s-bad", "UnderMinIsrPartitionCount", &d.under_min_isr, true),
                        line("s-offline", "OfflinePartitionsCount", &d.offline, true),
                    ]} />
                <Chart lang={l} testid="chart-lag" title={l.t("Replication lag", "复制延迟")} unit={l.t("records", "条")} min_max={10.0}
                    series={vec![line("s-leo", "MaxLag", &d.max_lag, false)]} />
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: &[(u64, Option<f64>)], step: bool) -> Series {
        Series {
            class: "s-good",
            label: "x".into(),
            points: points.to_vec(),
            step,
        }
    }

    #[test]
    fn paths_break_at_gaps_and_mark_lone_values() {
        let s = series(
            &[
                (0, Some(0.0)),
                (100, Some(10.0)),
                (200, None),
                (300, Some(5.0)),
                (400, None),
            ],
            false,
        );
        let d = path(&s, 0, 400, 10.0);
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert!(d.contains(" L"), "{d}");
        assert!(d.contains(" H"), "the lone value at 300 is a tick: {d}");
        let steps = path(
            &series(&[(0, Some(3.0)), (100, Some(2.0))], true),
            0,
            100,
            5.0,
        );
        assert!(steps.contains(" H") && steps.contains(" V"), "{steps}");
    }

    #[test]
    fn rates_and_means_come_from_counter_differences() {
        let sample = |t_ms, sent, done, lat| MetricsSample {
            t_ms,
            record_send_total: sent,
            completed_total: done,
            latency_ms_sum: lat,
            ..MetricsSample::default()
        };
        let d = derive(&[
            sample(0, 0, 0, 0),
            sample(250, 50, 50, 500),
            sample(500, 50, 50, 500),
        ]);
        assert_eq!(d.acked_per_s, vec![(250, Some(200.0)), (500, Some(0.0))]);
        assert_eq!(d.latency_ms, vec![(250, Some(10.0)), (500, None)]);
    }

    #[test]
    fn nice_axis_bounds() {
        assert_eq!(nice_max(0.0, 10.0), 10.0);
        assert_eq!(nice_max(13.0, 10.0), 20.0);
        assert_eq!(nice_max(420.0, 10.0), 500.0);
        assert_eq!(nice_max(1000.0, 10.0), 1000.0);
    }
}
