//! The top bar (scenario, language) and the simulation bar (clock, play/pause, step, speed).

use super::{speed_from_slider, Send};
use crate::demo::Preset;
use crate::i18n::Lang;
use crate::protocol::{Op, Timeline};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    pub lang: Lang,
    pub preset: Preset,
    pub on_lang: Callback<()>,
    pub send: Send,
}

fn preset_label(lang: Lang, p: Preset) -> &'static str {
    match p {
        Preset::Payments => lang.t(
            "payments — 1 partition, RF 3, min.insync.replicas 2",
            "payments — 1 个分区，RF 3，min.insync.replicas 2",
        ),
        Preset::Orders => lang.t("orders — 3 partitions, RF 3", "orders — 3 个分区，RF 3"),
        Preset::Quorum => lang.t(
            "KRaft quorum — 3 controllers, orders (3 partitions, RF 3)",
            "KRaft 仲裁 — 3 个 controller，orders（3 个分区，RF 3）",
        ),
        Preset::Large => lang.t(
            "events at scale — 5 brokers, 30 partitions, RF 3",
            "大规模 events — 5 个 broker，30 个分区，RF 3",
        ),
        Preset::Groups => lang.t(
            "consumer groups — orders read by order-processing (A, B) and analytics (X)",
            "消费者组 — orders 由 order-processing（A、B）和 analytics（X）读取",
        ),
    }
}

/// Brand, scenario picker, reset and the language switch.
#[function_component(TopBar)]
pub fn top_bar(p: &TopBarProps) -> Html {
    let l = p.lang;
    let on_preset = {
        let send = p.send.clone();
        Callback::from(move |e: Event| {
            let Some(sel) = e.target_dyn_into::<HtmlSelectElement>() else {
                return;
            };
            if let Some(preset) = Preset::from_id(&sel.value()) {
                send.op.emit(Op::Reset {
                    preset: preset.id().to_string(),
                });
            }
        })
    };
    let on_reset = {
        let send = p.send.clone();
        let preset = p.preset;
        Callback::from(move |_| {
            send.op.emit(Op::Reset {
                preset: preset.id().to_string(),
            })
        })
    };
    let on_lang = p.on_lang.reform(|_| ());
    html! {
        <header class="topbar">
            <div class="brand">
                <span class="logo" aria-hidden="true">
                    <svg viewBox="0 0 32 32" width="28" height="28">
                        <circle cx="16" cy="6" r="4" />
                        <circle cx="7" cy="24" r="4" />
                        <circle cx="25" cy="24" r="4" />
                        <path d="M16 10 L7 20 M16 10 L25 20 M11 24 L21 24" />
                    </svg>
                </span>
                <div>
                    <h1>{ "Kafka Playground" }</h1>
                    <p class="tagline">{ l.t("acks × min.insync.replicas, on a simulated 3-broker KRaft cluster", "acks × min.insync.replicas：在模拟的 3 broker KRaft 集群上动手") }</p>
                </div>
            </div>
            <div class="topbar-actions">
                <label class="inline-field">
                    <span>{ l.t("Scenario", "场景") }</span>
                    <select data-testid="preset-select" onchange={on_preset} aria-label={l.t("Scenario", "场景")}>
                        { for Preset::ALL.iter().map(|x| html! {
                            <option value={x.id()} selected={*x == p.preset}>{ preset_label(l, *x) }</option>
                        }) }
                    </select>
                </label>
                <button class="btn ghost" onclick={on_reset} data-testid="reset-btn">
                    { l.t("Reset", "重置") }
                </button>
                <button
                    class="btn ghost lang"
                    onclick={on_lang}
                    data-testid="lang-toggle"
                    aria-label={l.t("Switch language to Chinese", "切换到英文")}
                    lang={l.other().tag()}
                >
                    { l.t("中文", "English") }
                </button>
            </div>
        </header>
    }
}

#[derive(Properties, PartialEq)]
pub struct SimBarProps {
    pub lang: Lang,
    pub now_ms: u64,
    pub playing: bool,
    pub speed_slider: i32,
    pub on_toggle_play: Callback<()>,
    pub on_speed: Callback<i32>,
    pub send: Send,
}

/// `12.345 s` (or `1 min 02.345 s`).
pub fn format_clock(ms: u64) -> String {
    let secs = ms / 1000;
    let millis = ms % 1000;
    if secs >= 60 {
        format!("{} min {:02}.{:03} s", secs / 60, secs % 60, millis)
    } else {
        format!("{secs}.{millis:03} s")
    }
}

/// `0.001×`, `0.25×`, `2.5×`, `100×`.
pub fn format_speed(speed: f64) -> String {
    if speed >= 10.0 {
        return format!("{speed:.0}×");
    }
    // Two significant digits, without trailing zeros.
    let decimals = if speed >= 1.0 {
        1
    } else {
        (-speed.log10()).ceil() as usize + 1
    };
    let s = format!("{speed:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}×")
}

/// Clock, play/pause, step, fast-forward and speed.
#[function_component(SimBar)]
pub fn sim_bar(p: &SimBarProps) -> Html {
    let l = p.lang;
    let on_play = p.on_toggle_play.reform(|_| ());
    let on_step = {
        let send = p.send.clone();
        Callback::from(move |_| send.op.emit(Op::StepToNextEvent))
    };
    let advance = |ms: u64| {
        let send = p.send.clone();
        Callback::from(move |_| send.op.emit(Op::Advance { ms }))
    };
    let on_speed = {
        let cb = p.on_speed.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                if let Ok(v) = input.value().parse::<i32>() {
                    cb.emit(v);
                }
            }
        })
    };
    let speed_text = format_speed(speed_from_slider(p.speed_slider));
    html! {
        <div class="simbar" role="toolbar" aria-label={l.t("Simulation controls", "模拟控制")}>
            <div class="clock" title={l.t("Simulated time since the cluster started", "集群启动以来的模拟时间")}>
                <span class="clock-label">{ l.t("Simulated time", "模拟时间") }</span>
                <span class="clock-value" data-testid="clock">{ format_clock(p.now_ms) }</span>
                <span class={classes!("run-dot", p.playing.then_some("on"))} aria-hidden="true"></span>
            </div>
            <div class="simbar-buttons">
                <button class="btn primary" onclick={on_play} data-testid="play-toggle" aria-pressed={(!p.playing).to_string()}>
                    if p.playing {
                        <svg class="ico" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><rect x="3" y="2" width="3.5" height="12" rx="1"/><rect x="9.5" y="2" width="3.5" height="12" rx="1"/></svg>
                        { l.t("Pause", "暂停") }
                    } else {
                        <svg class="ico" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M4 2.5v11a.8.8 0 0 0 1.2.7l9-5.5a.8.8 0 0 0 0-1.4l-9-5.5A.8.8 0 0 0 4 2.5z"/></svg>
                        { l.t("Play", "播放") }
                    }
                </button>
                <button class="btn" onclick={on_step} data-testid="step-btn"
                    title={l.t("Advance until the next event (at most 1 s)", "前进到下一个事件（最多 1 秒）")}>
                    <svg class="ico" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M2 2.8v10.4a.7.7 0 0 0 1.1.6l7.4-5.2a.7.7 0 0 0 0-1.2L3.1 2.2A.7.7 0 0 0 2 2.8z"/><rect x="11.5" y="2" width="2.5" height="12" rx="1"/></svg>
                    { l.t("Step", "单步") }
                </button>
                <button class="btn" onclick={advance(1_000)} data-testid="advance-1s">{ "+1 s" }</button>
                <button class="btn accent" onclick={advance(10_000)} data-testid="advance-10s"
                    title={l.t("Fencing a crashed broker takes broker.session.timeout.ms = 9000 ms", "宕机 broker 被隔离需要 broker.session.timeout.ms = 9000 ms")}>
                    { l.t("+10 s", "快进 10 秒") }
                </button>
            </div>
            <label class="speed">
                <span>{ l.t("Speed", "速度") }</span>
                <input
                    type="range" min="-30" max="20" step="1"
                    value={p.speed_slider.to_string()}
                    oninput={on_speed}
                    data-testid="speed"
                    aria-valuetext={format!("{speed_text} {}", l.t("real time", "实时"))}
                />
                <output class="speed-value">{ speed_text }</output>
            </label>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub lang: Lang,
    pub preset: Preset,
    pub now_ms: u64,
    pub timeline: Timeline,
    pub send: Send,
    /// Offer "Share link" (not for a lesson: links name a scenario).
    #[prop_or(true)]
    pub shareable: bool,
}

/// The time-travel scrubber: seek anywhere on the recorded run; playing on replays the recorded
/// actions, a new action forks the timeline.
#[function_component(TimelineBar)]
pub fn timeline_bar(p: &TimelineProps) -> Html {
    let l = p.lang;
    let tl = &p.timeline;
    let span = tl.head_ms.saturating_sub(tl.start_ms).max(1);
    let rewound = p.now_ms < tl.head_ms;
    // While the thumb is being dragged, show the dragged time instead of the (moving) clock.
    let drag = use_state(|| None::<u64>);
    let on_drag = {
        let drag = drag.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                drag.set(input.value().parse::<u64>().ok());
            }
        })
    };
    let on_seek = {
        let send = p.send.clone();
        let drag = drag.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                if let Ok(ms) = input.value().parse::<u64>() {
                    send.op.emit(Op::Seek { ms });
                }
            }
            drag.set(None);
        })
    };
    let shown_ms = drag.unwrap_or(p.now_ms);
    let to_live = {
        let send = p.send.clone();
        let head = tl.head_ms;
        Callback::from(move |_| send.op.emit(Op::Seek { ms: head }))
    };
    let shared = use_state(|| false);
    let on_share = {
        let shared = shared.clone();
        let preset = p.preset;
        let now = p.now_ms;
        // Only what happened up to the time on screen is shared.
        let inputs: Vec<(u64, String)> = tl
            .inputs
            .iter()
            .filter(|m| m.at_ms <= now)
            .filter_map(|m| m.code.clone().map(|c| (m.at_ms, c)))
            .collect();
        Callback::from(move |_| {
            let fragment = crate::link::encode(preset, now, &inputs);
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_hash(&fragment);
            }
            shared.set(true);
        })
    };
    // The marks sit at their simulated ms in an SVG whose viewBox is the timeline's span: as the
    // head moves on, only the viewBox changes, not every mark (a long stream records hundreds).
    // Scheduled inputs (the rest of a stream) lie past the head: they sit at the end.
    let x = |ms: u64| ms.saturating_sub(tl.start_ms).min(span);
    html! {
        <div class={classes!("timeline", rewound.then_some("rewound"))}>
            <span class="timeline-label">{ l.t("Timeline", "时间线") }</span>
            <div class="timeline-track">
                <svg class="timeline-marks" aria-hidden="true" viewBox={format!("0 0 {span} 8")} preserveAspectRatio="none">
                    { for tl.inputs.iter().scan(std::collections::HashMap::<u64, usize>::new(), |seen, m| {
                        // Keyed by the mark's time and its rank among the marks at that time: a
                        // mark keeps its element when others are added before it, instead of
                        // every later element being rewritten on each reply.
                        let rank = seen.entry(m.at_ms).or_insert(0);
                        *rank += 1;
                        Some((*rank, m))
                    }).map(|(rank, m)| {
                        html! {
                            <line key={format!("{}-{rank}", m.at_ms)} class={classes!("tl-mark", (m.at_ms > p.now_ms).then_some("future"))}
                                x1={x(m.at_ms).to_string()} x2={x(m.at_ms).to_string()} y1="0" y2="8">
                                <title>{ format!("{} · {}", format_clock(m.at_ms), m.label) }</title>
                            </line>
                        }
                    }) }
                </svg>
                <input
                    type="range"
                    min={tl.start_ms.to_string()}
                    max={tl.head_ms.max(tl.start_ms + 1).to_string()}
                    step="1"
                    value={shown_ms.to_string()}
                    oninput={on_drag}
                    onchange={on_seek}
                    data-testid="timeline"
                    aria-label={l.t("Seek in simulated time", "在模拟时间中跳转")}
                    aria-valuetext={format_clock(shown_ms)}
                />
            </div>
            if p.shareable {
            <button class="btn small" onclick={on_share} data-testid="share-link"
                title={l.t("Put a link to this run (scenario + your actions + this time) in the address bar", "把这次运行的链接（场景 + 你的操作 + 当前时间）放到地址栏")}>
                { l.t("Share link", "分享链接") }
            </button>
            }
            if *shared {
                <span class="timeline-state small" role="status">{ l.t("Link is in the address bar.", "链接已放到地址栏。") }</span>
            }
            if rewound {
                <span class="timeline-state" role="status">
                    { l.t("Rewound to ", "已回到 ") }<b class="mono">{ format_clock(p.now_ms) }</b>
                    { l.t(" · play replays your actions; a new action forks", " · 播放会重放你的操作；新的操作会分叉") }
                </span>
                <button class="btn small" onclick={to_live} data-testid="timeline-live">{ l.t("Back to latest", "回到最新") }</button>
            } else {
                <span class="timeline-state muted">
                    { format!("{} ", tl.inputs.len()) }
                    { if tl.inputs.len() == 1 { l.t("action recorded · drag to rewind", "个操作已记录 · 拖动可回放") } else { l.t("actions recorded · drag to rewind", "个操作已记录 · 拖动可回放") } }
                </span>
            }
        </div>
    }
}
