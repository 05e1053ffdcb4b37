//! The Yew front-end. Components are small and stateless where possible; [`Playground`] owns the
//! worker bridge, the play loop and the [`View`] reducer, and hands callbacks down.

mod charts;
mod cluster;
mod controls;
pub mod embed;
pub mod groups;
mod guide;
pub mod lesson;
mod log;
pub mod network;
mod offscreen;
mod partition;
pub mod pipeline;
mod producer;
pub mod quorum;
mod share;
mod summary;

use crate::demo::Preset;
use crate::i18n::{apply_lang, initial_lang, Lang};
use crate::protocol::{Op, Request};
use crate::state::{Action, View};
use gloo_timers::callback::{Interval, Timeout};
use kplay_engine::Command;
use yew::prelude::*;

/// How often the play loop wakes up (real milliseconds).
const FRAME_MS: u32 = 50;

/// The last stage of the sandbox's first render (see `stage` in [`Playground`]).
const LAST_STAGE: u8 = 3;

/// Real ms between two stages of the first render: a frame, so each stage is painted.
const STAGE_GAP_MS: u32 = 16;

/// A frame never advances more than this much real time, so a backgrounded tab does not jump.
const MAX_FRAME_REAL_MS: f64 = 250.0;

/// After this long without an answer to an advance, the page says the worker stopped.
const STALL_REAL_MS: f64 = 10_000.0;

/// The root component (the playground talks to the engine worker through [`crate::bridge`]).
#[function_component(App)]
pub fn app() -> Html {
    html! {
        <Playground />
    }
}

/// The play loop's mutable bookkeeping (not rendered, so it lives outside the reducer).
#[derive(Debug)]
struct Clock {
    playing: bool,
    /// Simulated ms per real ms.
    speed: f64,
    /// The `seq` of the advance request in flight; the loop waits for it (back-pressure).
    advance_in_flight: Option<u64>,
    /// When the advance in flight was sent (real ms).
    advance_sent_real_ms: f64,
    last_real_ms: f64,
    /// Fractions of a simulated millisecond not yet sent.
    carry_ms: f64,
    next_seq: u64,
}

impl Clock {
    fn take_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }
}

/// Everything a child needs to send to the worker.
#[derive(Clone, PartialEq)]
pub struct Send {
    pub op: Callback<Op>,
}

impl Send {
    /// Sends an engine command.
    pub fn command(&self, c: Command) {
        self.op.emit(Op::Command(c));
    }
}

fn reload() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

fn now_real_ms() -> f64 {
    js_sys::Date::now()
}

/// The speed slider's position (tenths of a decade, -30..=20) to a speed factor (0.001×..100×).
/// Network latency is 2–6 simulated ms, so envelopes are only visible in flight at the slow end.
pub fn speed_from_slider(v: i32) -> f64 {
    10f64.powf(v.clamp(-30, 20) as f64 / 10.0)
}

/// The two views of the page: the sandbox (the default) and the lessons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Sandbox,
    Lessons,
}

/// The page's URL fragment (`#run=…`, `#lesson=…`).
fn fragment() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// `?view=lessons`, `?lesson=<id>` or a lesson link (`#lesson=v1/…`) opens the lessons view.
fn initial_mode() -> Mode {
    let p = crate::i18n::url_param;
    if p("view").as_deref() == Some("lessons")
        || p("lesson").is_some()
        || fragment().starts_with(crate::link::lesson::PREFIX)
    {
        Mode::Lessons
    } else {
        Mode::Sandbox
    }
}

/// The playground page.
#[function_component(Playground)]
pub fn playground() -> Html {
    let view = use_reducer(View::default);
    // `?embed=…`: one widget for an iframe (or why the address does not parse).
    let embed_state = use_state(|| embed::from_location().map(|r| r.map(std::rc::Rc::new)));
    let embed_cfg: Option<std::rc::Rc<crate::embed::EmbedConfig>> =
        (*embed_state).clone().and_then(Result::ok);
    let lang = {
        let forced = embed_cfg.as_ref().and_then(|c| c.lang);
        use_state(move || forced.unwrap_or_else(initial_lang))
    };
    let mode = use_state(initial_mode);
    let autoplay = embed_cfg.as_ref().map(|c| c.autoplay).unwrap_or(true);
    let start_speed = embed_cfg.as_ref().map(|c| c.speed).unwrap_or(1.0);
    let playing = use_state(|| autoplay);
    let speed_slider = use_state(|| (start_speed.log10() * 10.0).round() as i32);
    let tracker = use_mut_ref(embed::Tracker::default);
    let live = use_mut_ref(embed::Live::default);
    let stalled = use_state(|| false);
    // The sandbox's first render comes in stages, each its own task: the top of the page (the
    // cluster, the producer and its results) first, so the page can be used at once; then the
    // panels below, a stage at a time, so that a click is answered in between.
    let stage = use_state(|| 0u8);
    {
        let stage = stage.clone();
        let started = view.snapshot.is_some();
        use_effect_with((started, *stage), move |(started, st)| {
            let next = (*started && *st < LAST_STAGE).then(|| {
                let (stage, next) = (stage.clone(), *st + 1);
                Timeout::new(STAGE_GAP_MS, move || stage.set(next))
            });
            move || drop(next)
        });
    }
    // Why a shared link could not be opened (shown until dismissed).
    let link_error = use_state(|| None::<String>);
    // Why a lesson link could not be opened (in both languages; from the page's decoder or the
    // worker's replay).
    let lesson_link_error = use_state(|| None::<crate::link::lesson::LinkError>);
    // The partition whose election button was pressed last, and the log id at that moment: a
    // refused `ElectLeaders` after it is shown next to that partition.
    let election_req = use_state(|| None::<(String, u64)>);
    // The partitions panel at scale: topics expanded or collapsed (internal topics start
    // collapsed), topics showing every card instead of the matrix, and the focused partition.
    let topic_open = use_state(std::collections::HashMap::<String, bool>::new);
    let all_cards = use_state(std::collections::HashSet::<String>::new);
    let focus = use_state(|| None::<String>);
    let clock = use_mut_ref(|| Clock {
        playing: autoplay,
        speed: start_speed,
        advance_in_flight: None,
        advance_sent_real_ms: 0.0,
        last_real_ms: now_real_ms(),
        carry_ms: 0.0,
        next_seq: 0,
    });

    // `?bench=30000`: the worker runs the engine benchmark's largest shape once (for the perf
    // script, which reads the result from `[data-testid=bench-result]`).
    let bench = use_state(|| None::<(u64, f64)>);
    let bridge = {
        let dispatcher = view.dispatcher();
        let clock = clock.clone();
        let bench = bench.setter();
        let embed_cfg = embed_cfg.clone();
        let tracker = tracker.clone();
        let lesson_link_error = lesson_link_error.setter();
        crate::bridge::use_engine(move |reply: crate::protocol::Reply| {
            if let Some(e) = &reply.link_error {
                lesson_link_error.set(Some(e.clone()));
            }
            if let Some(cfg) = &embed_cfg {
                embed::on_reply(cfg, &mut tracker.borrow_mut(), &reply);
            }
            {
                let mut c = clock.borrow_mut();
                if matches!(c.advance_in_flight, Some(s) if s <= reply.seq) {
                    c.advance_in_flight = None;
                }
            }
            if reply.bench_wall_ms.is_some() {
                bench.set(reply.bench_wall_ms);
            }
            dispatcher.dispatch(Action::Reply(Box::new(reply)));
        })
    };

    // The worker gets the lessons' text just before the first request that needs it.
    let lessons_sent = use_mut_ref(|| false);
    let send_op = {
        let bridge = bridge.clone();
        let clock = clock.clone();
        Callback::from(move |op: Op| {
            if crate::protocol::needs_lessons(&op) && !*lessons_sent.borrow() {
                *lessons_sent.borrow_mut() = true;
                if let Some(json) = crate::lessons::fetched_json() {
                    let seq = clock.borrow_mut().take_seq();
                    bridge.send(Request {
                        seq,
                        op: Op::InstallLessons { json },
                    });
                }
            }
            let seq = clock.borrow_mut().take_seq();
            bridge.send(Request { seq, op });
        })
    };

    // Load the default scenario once, and keep <html lang> in sync with the language.
    {
        let send_op = send_op.clone();
        let link_error = link_error.clone();
        let lesson_link_error = lesson_link_error.clone();
        let embed_state = (*embed_state).clone();
        use_effect_with((), move |_| {
            match embed_state {
                Some(Ok(cfg)) => {
                    embed::apply_theme(cfg.theme);
                    start_embed(&cfg, &send_op);
                    return;
                }
                // The widget shows why its address does not parse; nothing to run.
                Some(Err(_)) => return,
                None => {}
            }
            // `#run=v1/…` opens a shared run; a malformed link is rejected with its reason.
            let fragment = fragment();
            // `#lesson=v1/…` opens a shared lesson run; a malformed one shows the lesson list
            // with the reason.
            if fragment.starts_with(crate::link::lesson::PREFIX) {
                match crate::link::lesson::decode(&fragment, crate::lessons::find) {
                    Ok(l) => send_op.emit(Op::LoadLesson {
                        lesson: l.lesson,
                        step: l.step,
                        inputs: l.inputs,
                        at_ms: l.at_ms,
                    }),
                    Err(reason) => {
                        lesson_link_error.set(Some(reason));
                        send_op.emit(Op::Reset {
                            preset: Preset::Payments.id().to_string(),
                        });
                    }
                }
                return;
            }
            if fragment.starts_with(crate::link::PREFIX) {
                match crate::link::decode(&fragment) {
                    Ok(run) => {
                        send_op.emit(Op::Load {
                            preset: run.preset.id().to_string(),
                            inputs: run.inputs,
                            at_ms: run.at_ms,
                        });
                        return;
                    }
                    Err(reason) => link_error.set(Some(reason)),
                }
            }
            if let Some(sim_ms) = crate::i18n::url_param("bench").and_then(|v| v.parse().ok()) {
                send_op.emit(Op::Bench { sim_ms });
            }
            // `?lesson=04-topics-partitions` opens a lesson.
            if let Some(lesson) = crate::i18n::url_param("lesson") {
                send_op.emit(Op::StartLesson { lesson });
                return;
            }
            // `?preset=orders` picks the scenario (links and embedding).
            let preset = crate::i18n::url_param("preset")
                .and_then(|p| Preset::from_id(&p))
                .unwrap_or(Preset::Payments);
            send_op.emit(Op::Reset {
                preset: preset.id().to_string(),
            });
        });
    }
    {
        let lang = *lang;
        let embedded = embed_state.is_some();
        use_effect_with(lang, move |l| {
            if embedded {
                crate::i18n::show_lang(*l)
            } else {
                apply_lang(*l)
            }
        });
    }

    // Embed mode: accept the embedding page's documented messages; report the height.
    {
        let embed_cfg = embed_cfg.clone();
        let send_op = send_op.clone();
        let clock = clock.clone();
        let playing = playing.clone();
        let live = live.clone();
        use_effect_with((), move |_| {
            let cleanup = embed_cfg.map(|cfg| {
                let on_msg = {
                    let cfg = cfg.clone();
                    Callback::from(move |m: crate::embed::Inbound| {
                        use crate::embed::Inbound;
                        match m {
                            Inbound::Play | Inbound::Pause => {
                                let on = m == Inbound::Play;
                                let mut c = clock.borrow_mut();
                                c.playing = on;
                                c.last_real_ms = now_real_ms();
                                playing.set(on);
                            }
                            Inbound::GetState => {
                                embed::post(&cfg, &embed::state_message(&cfg, &live.borrow()));
                            }
                            other => {
                                let produced = live.borrow().produced;
                                if let Some(op) = embed::command_of(cfg.preset, produced, &other) {
                                    send_op.emit(op);
                                }
                            }
                        }
                    })
                };
                embed::listen(cfg, on_msg)
            });
            move || {
                if let Some(c) = cleanup {
                    c();
                }
            }
        });
    }
    {
        let embed_cfg = embed_cfg.clone();
        let tracker = tracker.clone();
        use_effect(move || {
            if let Some(cfg) = &embed_cfg {
                embed::report_height(cfg, &mut tracker.borrow_mut());
            }
        });
    }

    // The play loop: every frame, send the simulated time that has passed since the last frame,
    // but only once the previous advance has been answered.
    {
        let clock = clock.clone();
        let bridge = bridge.clone();
        let stalled = stalled.setter();
        use_effect_with((), move |_| {
            let interval = Interval::new(FRAME_MS, move || {
                let mut c = clock.borrow_mut();
                let now = now_real_ms();
                if c.advance_in_flight.is_some() {
                    if now - c.advance_sent_real_ms > STALL_REAL_MS {
                        stalled.set(true);
                    }
                    return;
                }
                if !c.playing {
                    c.last_real_ms = now;
                    return;
                }
                let elapsed = (now - c.last_real_ms).clamp(0.0, MAX_FRAME_REAL_MS);
                c.last_real_ms = now;
                c.carry_ms += elapsed * c.speed;
                let ms = c.carry_ms.floor();
                if ms >= 1.0 {
                    c.carry_ms -= ms;
                    let seq = c.take_seq();
                    c.advance_in_flight = Some(seq);
                    c.advance_sent_real_ms = now;
                    bridge.send(Request {
                        seq,
                        op: Op::Advance { ms: ms as u64 },
                    });
                }
            });
            move || drop(interval)
        });
    }

    let on_toggle_play = {
        let playing = playing.clone();
        let clock = clock.clone();
        Callback::from(move |_| {
            let next = !*playing;
            let mut c = clock.borrow_mut();
            c.playing = next;
            c.last_real_ms = now_real_ms();
            playing.set(next);
        })
    };
    let on_speed = {
        let speed_slider = speed_slider.clone();
        let clock = clock.clone();
        Callback::from(move |v: i32| {
            clock.borrow_mut().speed = speed_from_slider(v);
            speed_slider.set(v);
        })
    };
    let on_lang = {
        let lang = lang.clone();
        Callback::from(move |_| lang.set(lang.other()))
    };
    let send = Send {
        op: send_op.clone(),
    };
    let l = *lang;

    if let Some(Err(reason)) = &*embed_state {
        return embed::render_error(l, reason);
    }
    let Some(snapshot) = view.snapshot.clone() else {
        return html! { <Loading lang={l} /> };
    };
    let produced = view
        .timeline
        .inputs
        .iter()
        .filter(|m| {
            m.at_ms <= snapshot.now_ms && m.code.as_deref().is_some_and(|c| c.starts_with('p'))
        })
        .count();
    // Live (not rewound), inputs after now are scheduled: the rest of a stream.
    let stream_left = if snapshot.now_ms >= view.timeline.head_ms {
        view.timeline
            .inputs
            .iter()
            .filter(|m| m.at_ms > snapshot.now_ms)
            .count()
    } else {
        0
    };
    if let Some(cfg) = &embed_cfg {
        *live.borrow_mut() = embed::Live {
            produced,
            playing: *playing,
            snapshot: Some(snapshot.clone()),
        };
        return embed::render(embed::Frame {
            cfg,
            lang: l,
            view: &view,
            snapshot,
            send,
            playing: *playing,
            on_toggle_play,
            produced,
            stream_left,
            link_error: (*lesson_link_error).as_ref().map(|e| e.get(l).to_string()),
        });
    }
    let on_mode = {
        let mode = mode.clone();
        let send = send.clone();
        let in_lesson = view.preset.starts_with(crate::lessons::PRESET_PREFIX);
        Callback::from(move |m: Mode| {
            if m == Mode::Sandbox && in_lesson {
                send.op.emit(Op::Reset {
                    preset: Preset::Payments.id().to_string(),
                });
            }
            mode.set(m);
        })
    };
    if *mode == Mode::Lessons {
        let log: Vec<_> = view.log.iter().rev().take(12).rev().cloned().collect();
        return html! {
            <div class="shell lessons-shell">
                <a class="skip-link" href="#main">{ l.t("Skip to the lesson", "跳到课程") }</a>
                <lesson::LessonsTopBar lang={l} on_lang={on_lang} on_mode={on_mode} />
                if view.lesson.is_some() {
                    <controls::SimBar
                        lang={l}
                        now_ms={snapshot.now_ms}
                        playing={*playing}
                        speed_slider={*speed_slider}
                        on_toggle_play={on_toggle_play}
                        on_speed={on_speed}
                        send={send.clone()}
                    />
                    <controls::TimelineBar lang={l} preset={Preset::Payments} now_ms={snapshot.now_ms} timeline={view.timeline.clone()} send={send.clone()} shareable={false} />
                    if let Some(st) = view.lesson.as_ref().filter(|s| s.challenge.is_none()) {
                        <div class="embed-row">
                            <share::LessonShare lang={l} share={st.share.clone()} />
                            <embed::CopyEmbed lang={l} mode={Mode::Lessons} preset={Preset::Payments} run={None::<String>} lesson={Some((st.lesson.clone(), st.step))} />
                        </div>
                    }
                }
                if let Some(reason) = (*lesson_link_error).clone() {
                    <div class="banner bad" role="alert" data-testid="link-error">
                        <b>{ l.t("This lesson link could not be opened: ", "无法打开这个课程链接：") }</b>{ reason.get(l).to_string() }
                        { if view.lesson.is_some() {
                            l.t(" — the lesson is opened at the link's step instead.", " —— 已改为打开链接所指的步骤。")
                        } else {
                            l.t(" — choose a lesson below.", " —— 请在下面选择课程。")
                        } }
                        <button class="btn small" onclick={{
                            let e = lesson_link_error.clone();
                            Callback::from(move |_| e.set(None))
                        }}>{ l.t("Dismiss", "关闭") }</button>
                    </div>
                }
                if let Some(err) = view.error.clone() {
                    <div class="banner bad" role="alert">{ err }</div>
                }
                if *stalled {
                    <div class="banner bad" role="alert">
                        { l.t("The simulation worker stopped answering (see the browser console). ", "模拟 worker 没有响应（请查看浏览器控制台）。") }
                        <button class="btn small" onclick={Callback::from(|_| reload())}>{ l.t("Reload", "重新加载") }</button>
                    </div>
                }
                <lesson::LessonsPage lang={l} status={view.lesson.clone()} snapshot={snapshot.clone()} send={send.clone()} log={std::rc::Rc::new(log)} />
                <footer class="foot">
                    { l.t("Kafka Playground · lessons · deterministic simulation · trace ", "Kafka Playground · 课程 · 确定性模拟 · trace ") }
                    <code>{ view.trace_hash.clone() }</code>
                </footer>
            </div>
        };
    }
    let preset = Preset::from_id(&view.preset).unwrap_or(Preset::Payments);
    // The running followers of the scenario's first partition: what the guide tells you to crash.
    let followers: Vec<u32> = snapshot
        .topics
        .iter()
        .find(|t| t.name == preset.topic())
        .and_then(|t| t.partitions.first())
        .map(|pv| {
            pv.replicas
                .iter()
                .filter(|b| Some(**b) != pv.leader)
                .filter(|b| snapshot.brokers.iter().any(|x| x.id == **b && x.alive))
                .map(|b| b.0)
                .collect()
        })
        .unwrap_or_default();
    // The controller's leader of the scenario's first partition (what the network guide cuts).
    let first_leader: Option<u32> = topic_first_leader(&snapshot, preset.topic());
    // More than three partitions: compact cards in a grid, so 4–6 partitions stay on one screen.
    let compact = snapshot
        .topics
        .iter()
        .map(|t| t.partitions.len())
        .sum::<usize>()
        > 3;
    let topic = snapshot
        .topics
        .iter()
        .find(|t| t.name == preset.topic())
        .cloned();
    let run_body: String = {
        let inputs: Vec<(u64, String)> = view
            .timeline
            .inputs
            .iter()
            .filter(|m| m.at_ms <= snapshot.now_ms)
            .filter_map(|m| m.code.clone().map(|c| (m.at_ms, c)))
            .collect();
        crate::link::encode(preset, snapshot.now_ms, &inputs)
            .trim_start_matches(crate::link::PREFIX)
            .to_string()
    };

    // One partition card, with its election button and result.
    let card = |pv: &kplay_engine::snapshot::PartitionView, min_isr: u32, compact: bool| {
        let key = pv.tp.to_string();
        let on_elect = {
            let send = send.clone();
            let election_req = election_req.clone();
            let (topic, partition, key) = (pv.tp.topic.clone(), pv.tp.partition, key.clone());
            let at = view.last_log_id();
            Callback::from(move |election| {
                election_req.set(Some((key.clone(), at)));
                send.command(Command::ElectLeaders {
                    topic: topic.clone(),
                    partition,
                    election,
                });
            })
        };
        let election_error = match (&*election_req, &view.election_failed) {
            (Some((k, at)), Some(f)) if *k == key && f.log_id > *at => Some(f.clone()),
            _ => None,
        };
        let unclean = view.unclean.get(&key).cloned();
        html! {
            <partition::PartitionCard lang={l} partition={pv.clone()} {min_isr} {compact} key={key}
                {unclean} {election_error} {on_elect} />
        }
    };

    html! {
        <div class="shell">
            <a class="skip-link" href="#main">{ l.t("Skip to the cluster", "跳到集群视图") }</a>
            <controls::TopBar lang={l} {preset} on_lang={on_lang} send={send.clone()} />
            <lesson::ViewTabs lang={l} mode={Mode::Sandbox} on_mode={on_mode} />
            <controls::SimBar
                lang={l}
                now_ms={snapshot.now_ms}
                playing={*playing}
                speed_slider={*speed_slider}
                on_toggle_play={on_toggle_play}
                on_speed={on_speed}
                send={send.clone()}
            />
            <controls::TimelineBar lang={l} {preset} now_ms={snapshot.now_ms} timeline={view.timeline.clone()} send={send.clone()} />
            <div class="embed-row">
                <embed::CopyEmbed lang={l} mode={Mode::Sandbox} {preset} run={Some(run_body)} lesson={None::<(String, usize)>} />
            </div>
            if let Some(err) = view.error.clone() {
                <div class="banner bad" role="alert">{ err }</div>
            }
            if let Some(reason) = (*link_error).clone() {
                <div class="banner bad" role="alert" data-testid="link-error">
                    <b>{ l.t("This link could not be opened: ", "无法打开这个链接：") }</b>{ reason }
                    { l.t(" — the default scenario is loaded instead.", " —— 已改为加载默认场景。") }
                    <button class="btn small" onclick={{
                        let link_error = link_error.clone();
                        Callback::from(move |_| link_error.set(None))
                    }}>{ l.t("Dismiss", "关闭") }</button>
                </div>
            }
            if *stalled {
                <div class="banner bad" role="alert">
                    { l.t("The simulation worker stopped answering (see the browser console). ", "模拟 worker 没有响应（请查看浏览器控制台）。") }
                    <button class="btn small" onclick={Callback::from(|_| reload())}>{ l.t("Reload", "重新加载") }</button>
                </div>
            }
            <summary::SrSummary lang={l} snapshot={snapshot.clone()} />
            <main id="main" class="layout" tabindex="-1">
                <div class="col-main">
                    <cluster::MetricsBar lang={l} metrics={snapshot.metrics.clone()} />
                    <cluster::ClusterPanel lang={l} snapshot={snapshot.clone()} send={send.clone()} />
                    if *stage >= 1 {
                    <offscreen::Offscreen throttle={*playing}>
                        <charts::Charts lang={l} history={snapshot.history.clone()} />
                    </offscreen::Offscreen>
                    <offscreen::Offscreen throttle={*playing}>
                        <pipeline::Pipeline lang={l} {preset} snapshot={snapshot.clone()} trace={view.pipeline.clone()}
                            config_failed={view.producer_config_failed.clone()} last_log_id={view.last_log_id()} send={send.clone()} />
                    </offscreen::Offscreen>
                    }
                    if *stage >= 2 {
                    <section class="panel o-partitions" aria-labelledby="partitions-h">
                        <div class="panel-head">
                            <h2 id="partitions-h">{ l.t("Partitions & replica logs", "分区与副本日志") }</h2>
                            <partition::Legend lang={l} />
                        </div>
                        if snapshot.topics.is_empty() {
                            <p class="empty">{ l.t("No topics yet.", "还没有 topic。") }</p>
                        }
                        { for snapshot.topics.iter().map(|t| {
                            let internal = t.name.starts_with("__");
                            let many = t.partitions.len() > partition::MATRIX_ABOVE;
                            let expanded = topic_open.get(&t.name).copied().unwrap_or(!internal);
                            let show_all = !many || all_cards.contains(&t.name);
                            let on_toggle = {
                                let topic_open = topic_open.clone();
                                let name = t.name.clone();
                                Callback::from(move |_| {
                                    let mut m = (*topic_open).clone();
                                    m.insert(name.clone(), !expanded);
                                    topic_open.set(m);
                                })
                            };
                            let on_all = {
                                let all_cards = all_cards.clone();
                                let name = t.name.clone();
                                Callback::from(move |_: MouseEvent| {
                                    let mut m = (*all_cards).clone();
                                    if !m.remove(&name) {
                                        m.insert(name.clone());
                                    }
                                    all_cards.set(m);
                                })
                            };
                            let on_focus = {
                                let focus = focus.clone();
                                Callback::from(move |tp: String| {
                                    focus.set(if focus.as_deref() == Some(tp.as_str()) { None } else { Some(tp) });
                                })
                            };
                            let shown: Vec<&kplay_engine::snapshot::PartitionView> = t.partitions.iter()
                                .filter(|pv| show_all || focus.as_deref() == Some(pv.tp.to_string().as_str()))
                                .collect();
                            let compact = compact && shown.len() > 1;
                            let rf = t.partitions.first().map(|pv| pv.replicas.len() as u32).unwrap_or(0);
                            html! {
                                <div class={classes!("topic-block", internal.then_some("internal"))} key={t.name.clone()} data-testid={format!("topic-{}", t.name)}>
                                    <partition::TopicHeader lang={l} name={t.name.clone()} partitions={t.partitions.len() as u32} replication_factor={rf}
                                        under_replicated={t.partitions.iter().filter(|p| p.under_replicated).count() as u32}
                                        offline={t.partitions.iter().filter(|p| p.leader.is_none()).count() as u32}
                                        {expanded} {on_toggle} />
                                    if expanded {
                                        <div id={format!("topic-body-{}", t.name)} class="topic-body">
                                            if !internal {
                                                <partition::AddPartitions lang={l} topic={t.name.clone()} count={t.partitions.len() as u32}
                                                    result={view.partitions_result.clone()} send={send.clone()}
                                                    unclean_enabled={t.configs.get("unclean.leader.election.enable").is_some_and(|v| v == "true")}
                                                    offline={t.partitions.iter().filter(|p| p.leader.is_none()).count() as u32} />
                                            }
                                            if many {
                                                <partition::ReplicaMatrix lang={l} topic={t.name.clone()} partitions={std::rc::Rc::new(t.partitions.clone())}
                                                    brokers={snapshot.brokers.iter().map(|b| b.id).collect::<Vec<_>>()}
                                                    focus={(*focus).clone()} {on_focus} />
                                                <button class="btn small show-all" onclick={on_all} aria-pressed={show_all.to_string()}
                                                    data-testid={format!("show-all-{}", t.name)}>
                                                    { if show_all { l.t("Hide the replica logs", "收起副本日志") } else { l.t("Show every partition's replica logs", "展开所有分区的副本日志") } }
                                                </button>
                                                if shown.is_empty() {
                                                    <p class="empty small">{ l.t("Choose a partition in the matrix to see its replica logs.", "在矩阵中选择一个分区即可查看它的副本日志。") }</p>
                                                }
                                            }
                                            <div class={classes!("partitions", compact.then_some("compact"))}>
                                                { for shown.into_iter().map(|pv| card(pv, t.min_insync_replicas, compact)) }
                                            </div>
                                        </div>
                                    }
                                </div>
                            }
                        }) }
                    </section>
                    <groups::GroupsPanel lang={l} topic={preset.topic().to_string()} groups={snapshot.groups.clone()}
                        consumers={snapshot.consumers.clone()} send={send.clone()} />
                    }
                    if *stage >= 3 {
                    <offscreen::Offscreen throttle={*playing}>
                    <network::Network
                        lang={l}
                        envelopes={snapshot.envelopes.clone()}
                        recent={view.wire.clone()}
                        brokers={snapshot.brokers.clone()}
                        controllers={network_controllers(&snapshot)}
                        client={crate::demo::PRODUCER}
                        consumers={snapshot.consumers.iter().map(|c| (c.name.clone(), c.alive)).collect::<Vec<_>>()}
                        now_ms={snapshot.now_ms}
                        speed={speed_from_slider(*speed_slider)}
                        cuts={snapshot.network.cuts.clone()}
                        slow={snapshot.network.slow.clone()}
                        lost={view.lost.clone()}
                        playing={*playing}
                        send={send.clone()}
                    />
                    </offscreen::Offscreen>
                    }
                </div>
                <div class="col-side">
                    <producer::ProducerPanel lang={l} {preset} topic={topic} producers={snapshot.producers.clone()} {produced} {stream_left} send={send.clone()} />
                    <producer::Results lang={l} requests={snapshot.requests.clone()} now_ms={snapshot.now_ms} />
                    if *stage >= 1 {
                    <quorum::MetadataLog lang={l} quorum={snapshot.quorum.clone()} />
                    <guide::GuidePanel lang={l} progress={view.guide} followers={followers} />
                    if snapshot.quorum.voters.len() > 1 {
                        <guide::QuorumGuidePanel lang={l} progress={view.quorum_guide} active={snapshot.quorum.active_controller} />
                    } else {
                        <guide::NetGuidePanel lang={l} progress={view.net_guide} leader={first_leader} />
                    }
                    }
                </div>
                if *stage >= 3 {
                <div class="col-full o-log">
                    <offscreen::Offscreen throttle={*playing}>
                        <log::EventLog lang={l} lines={view.log.clone()} trace_hash={view.trace_hash.clone()} />
                    </offscreen::Offscreen>
                </div>
                }
            </main>
            if let Some((sim_ms, wall_ms)) = *bench {
                <output class="sr-only" data-testid="bench-result" data-sim-ms={sim_ms.to_string()} data-wall-ms={format!("{wall_ms:.1}")}>
                    { format!("{sim_ms} sim-ms in {wall_ms:.0} ms") }
                </output>
            }
            <footer class="foot">
                { l.t("Kafka Playground · deterministic simulation · seed ", "Kafka Playground · 确定性模拟 · seed ") }
                { snapshot.seed }
                { " · trace " }<code>{ view.trace_hash.clone() }</code>
            </footer>
        </div>
    }
}

/// Starts what an embed shows: a lesson step, a shared run, or a scenario (at `t=` if given).
fn start_embed(cfg: &crate::embed::EmbedConfig, send_op: &Callback<Op>) {
    if let Some(run) = &cfg.lesson_run {
        send_op.emit(Op::LoadLesson {
            lesson: run.lesson.clone(),
            step: run.step,
            inputs: run.inputs.clone(),
            at_ms: run.at_ms,
        });
        return;
    }
    if let Some(lesson) = &cfg.lesson {
        send_op.emit(Op::StartLesson {
            lesson: lesson.clone(),
        });
        if cfg.step > 0 {
            send_op.emit(Op::LessonStep { step: cfg.step });
        }
        return;
    }
    match (&cfg.run, cfg.start_ms) {
        (Some(run), _) => send_op.emit(Op::Load {
            preset: run.preset.id().to_string(),
            inputs: run.inputs.clone(),
            at_ms: run.at_ms,
        }),
        (None, Some(t)) => send_op.emit(Op::Load {
            preset: cfg.preset.id().to_string(),
            inputs: vec![],
            at_ms: t.max(crate::demo::WARMUP_MS),
        }),
        (None, None) => send_op.emit(Op::Reset {
            preset: cfg.preset.id().to_string(),
        }),
    }
}

/// The controllers for the network view: the quorum's voters (an empty snapshot has none: then
/// the one controller the snapshot names).
fn network_controllers(s: &kplay_engine::Snapshot) -> Vec<kplay_engine::snapshot::VoterView> {
    if !s.quorum.voters.is_empty() {
        return s.quorum.voters.clone();
    }
    vec![kplay_engine::snapshot::VoterView {
        id: s.controller.node_id,
        alive: true,
        combined: false,
        role: None,
        epoch: 0,
        leader: None,
        voted_for: None,
        log_end_offset: 0,
        high_watermark: 0,
        active: false,
    }]
}

/// The controller's leader of `topic`'s first partition.
fn topic_first_leader(s: &kplay_engine::Snapshot, topic: &str) -> Option<u32> {
    s.topics
        .iter()
        .find(|t| t.name == topic)
        .and_then(|t| t.partitions.first())
        .and_then(|p| p.leader)
        .map(|b| b.0)
}

#[derive(Properties, PartialEq)]
struct LoadingProps {
    lang: Lang,
}

/// Shown until the worker answers for the first time.
#[function_component(Loading)]
fn loading(p: &LoadingProps) -> Html {
    html! {
        <div class="boot" role="status" aria-live="polite">
            <div class="boot-mark" aria-hidden="true"></div>
            <p class="boot-title">{ "Kafka Playground" }</p>
            <p class="boot-sub">{ p.lang.t("Starting the simulated cluster in a Web Worker…", "正在 Web Worker 中启动模拟集群…") }</p>
        </div>
    }
}

/// Mounts the app into `#app`, replacing the static loading screen from `index.html`.
pub fn mount() {
    let document = web_sys::window().and_then(|w| w.document());
    let root = document.as_ref().and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            root.set_inner_html("");
            yew::Renderer::<App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<App>::new().render();
        }
    }
}

/// Registers `sw.js` (next to index.html, so its scope is the site's folder, whatever the
/// sub-path): after the first visit the site works offline. Skipped where service workers are
/// unavailable (plain http on another host than localhost, some private modes).
pub fn register_service_worker() {
    use wasm_bindgen::JsCast;
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return;
    };
    let Ok(container) = js_sys::Reflect::get(&navigator, &"serviceWorker".into()) else {
        return;
    };
    if container.is_undefined() {
        return;
    }
    let register = js_sys::Reflect::get(&container, &"register".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(register) = register {
        // The returned promise rejects on an insecure origin; nothing depends on it.
        if let Ok(p) = register.call1(&container, &"sw.js".into()) {
            if let Ok(p) = p.dyn_into::<js_sys::Promise>() {
                let ignore =
                    wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(|_| {});
                let _ = p.catch(&ignore);
                ignore.forget(); // one small closure, once per page
            }
        }
    }
}
