//! Embed mode in the page: one widget (`?embed=cluster|producer|group|lesson`), its message
//! channel with the embedding page, and the "Copy embed code" dialog of the sandbox.
//!
//! The rules (parameters, message schema) live in [`crate::embed`]; this module only applies them
//! to the DOM. Messages go to `window.parent` (only to `origin=` when given); incoming messages
//! are taken only from `window.parent` (and only from `origin=` when given) and must pass
//! [`embed::parse_inbound`] and the widget's controls, else a `rejected` message says why.

use super::{Mode, Send};
use crate::demo::{self, Preset};
use crate::embed::{self, Control, EmbedConfig, Inbound, Outbound, Theme, Widget};
use crate::i18n::Lang;
use crate::protocol::{Op, Reply};
use crate::state::View;
use kplay_engine::events::{EventKind, ProduceOutcome};
use kplay_engine::{Command, Snapshot};
use std::collections::BTreeSet;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The embed configuration of this page: `None` for the full playground, `Some(Err)` for an
/// embed URL that does not parse (the widget shows the reason).
pub fn from_location() -> Option<Result<EmbedConfig, String>> {
    let search = web_sys::window()?.location().search().ok()?;
    if !search.contains("embed") {
        return None;
    }
    let steps = |id: &str| crate::lessons::find(id).map(|l| l.steps.len());
    match embed::parse_query(&search, steps) {
        Ok(None) => None,
        Ok(Some(c)) => Some(Ok(c)),
        Err(e) => Some(Err(e)),
    }
}

/// The window that embeds this page, or `None` when the page is not in a frame.
fn parent() -> Option<web_sys::Window> {
    let w = web_sys::window()?;
    let parent = w.parent().ok().flatten()?;
    (!js_sys::Object::is(&parent, &w)).then_some(parent)
}

/// Posts a message to the embedding page (nothing when the page is not in a frame).
pub fn post(cfg: &EmbedConfig, msg: &Outbound) {
    let Some(parent) = parent() else {
        return;
    };
    let json = msg.to_json(&cfg.id);
    let Ok(value) = js_sys::JSON::parse(&json.to_string()) else {
        return;
    };
    let _ = parent.post_message(&value, cfg.origin.as_deref().unwrap_or("*"));
}

/// Sets `<html data-theme>` (the stylesheet's dark variables apply to `dark`, and to `auto`
/// under `prefers-color-scheme: dark`).
pub fn apply_theme(theme: Theme) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", theme.id());
    }
}

/// What the outbound side remembers between replies.
#[derive(Default)]
pub struct Tracker {
    ready: bool,
    /// (step, goal id) met already.
    met: BTreeSet<(usize, String)>,
    done: Vec<bool>,
    height: i32,
}

/// The messages one worker reply causes: `ready` once, a `write` per finished produce request
/// (not for a rebuilt run, whose events are history), `goal` / `step-complete` as a lesson
/// step's checklist fills.
pub fn on_reply(cfg: &EmbedConfig, t: &mut Tracker, reply: &Reply) {
    if !t.ready {
        t.ready = true;
        post(
            cfg,
            &Outbound::Ready {
                widget: cfg.widget,
                scenario: reply.preset.clone(),
                now_ms: reply.snapshot.now_ms,
            },
        );
    }
    if !reply.reset {
        for e in &reply.events {
            if let EventKind::ProduceCompleted {
                tp,
                acks,
                outcome,
                latency_ms,
                ..
            } = &e.kind
            {
                let (succeeded, offset, error, message) = match outcome {
                    ProduceOutcome::Ok { offset } => (true, Some(*offset), None, None),
                    ProduceOutcome::Err { error, message } => {
                        (false, None, Some(error.to_string()), Some(message.clone()))
                    }
                };
                post(
                    cfg,
                    &Outbound::Write {
                        succeeded,
                        topic: tp.topic.clone(),
                        partition: tp.partition,
                        acks: acks.to_string(),
                        offset,
                        error,
                        message,
                        latency_ms: *latency_ms,
                        at_ms: e.at_ms,
                    },
                );
            }
        }
    }
    if let Some(lesson) = &reply.lesson {
        let lang = cfg.lang.unwrap_or(Lang::En);
        for g in lesson.goals.iter().filter(|g| g.check.met) {
            if t.met.insert((lesson.step, g.id.clone())) {
                post(
                    cfg,
                    &Outbound::Goal {
                        lesson: lesson.lesson.clone(),
                        step: lesson.step,
                        goal: g.id.clone(),
                        text: g.text.get(lang.code()).to_string(),
                    },
                );
            }
        }
        for (i, d) in lesson.done.iter().enumerate() {
            if *d && !t.done.get(i).copied().unwrap_or(false) {
                post(
                    cfg,
                    &Outbound::StepComplete {
                        lesson: lesson.lesson.clone(),
                        step: i,
                    },
                );
            }
        }
        t.done = lesson.done.clone();
    }
}

/// Posts `resize` when the widget's height changed.
pub fn report_height(cfg: &EmbedConfig, t: &mut Tracker) {
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(".embed-shell").ok().flatten())
    else {
        return;
    };
    let h = el.scroll_height();
    if h > 0 && h != t.height {
        t.height = h;
        post(cfg, &Outbound::Resize { height: h as u32 });
    }
}

/// What the message listener needs to know of the page as it is now (updated every render).
#[derive(Default)]
pub struct Live {
    pub produced: usize,
    pub playing: bool,
    pub snapshot: Option<Rc<Snapshot>>,
}

/// The `state` message for `get-state`.
pub fn state_message(cfg: &EmbedConfig, live: &Live) -> Outbound {
    let s = live.snapshot.as_deref();
    let topic = cfg.preset.topic();
    let t = s.and_then(|s| s.topics.iter().find(|t| t.name == topic));
    Outbound::State {
        now_ms: s.map(|s| s.now_ms).unwrap_or(0),
        playing: live.playing,
        isr: t
            .map(|t| {
                t.partitions
                    .iter()
                    .map(|p| (p.tp.to_string(), p.isr.iter().map(|b| b.0).collect()))
                    .collect()
            })
            .unwrap_or_default(),
        acks: s
            .and_then(|s| s.producers.iter().find(|p| p.name == demo::PRODUCER))
            .map(|p| p.acks.to_string())
            .unwrap_or_default(),
        min_isr: t.map(|t| t.min_insync_replicas).unwrap_or(0),
    }
}

/// Why a valid message is refused by this widget, if it is.
pub fn refusal(cfg: &EmbedConfig, msg: &Inbound) -> Option<String> {
    let c = msg.needs()?;
    if cfg.allows(c) {
        return None;
    }
    if cfg.readonly {
        return Some("this widget is read-only (readonly=1)".to_string());
    }
    let exposed: Vec<&str> = cfg.controls.iter().map(|c| c.id()).collect();
    Some(format!(
        "“{}” is not among this widget's controls ({})",
        c.id(),
        if exposed.is_empty() {
            "none".to_string()
        } else {
            exposed.join(", ")
        }
    ))
}

/// Listens for messages from the embedding page; `on_msg` gets the accepted ones. Returns the
/// cleanup (removes the listener).
pub fn listen(cfg: Rc<EmbedConfig>, on_msg: Callback<Inbound>) -> impl FnOnce() {
    let window = web_sys::window();
    let handler = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        // Documented origin rule: with origin= only that origin; always only the parent window.
        if cfg.origin.as_deref().is_some_and(|o| o != e.origin()) {
            return;
        }
        let (Some(parent), Some(source)) = (parent(), e.source()) else {
            return;
        };
        if !js_sys::Object::is(&parent, &source) {
            return;
        }
        // Any structured-clone value: what JSON cannot carry (undefined, functions, cycles)
        // reads as null and is refused below like any other malformed message.
        let data: serde_json::Value = js_sys::JSON::stringify(&e.data())
            .ok()
            .and_then(|s| s.as_string())
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(serde_json::Value::Null);
        // Our own messages (a page that echoes them back) are not commands.
        if data.get("source").and_then(|s| s.as_str()) == Some(embed::MESSAGE_SOURCE) {
            return;
        }
        match embed::parse_inbound(&data) {
            Ok(msg) => match refusal(&cfg, &msg) {
                None => on_msg.emit(msg),
                Some(reason) => post(&cfg, &Outbound::Rejected { reason }),
            },
            Err(reason) => post(&cfg, &Outbound::Rejected { reason }),
        }
    });
    if let Some(w) = &window {
        let _ = w.add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
    }
    move || {
        if let Some(w) = &window {
            let _ =
                w.remove_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
        }
        drop(handler);
    }
}

/// The command a message stands for (time messages are handled by the play loop).
pub fn command_of(preset: Preset, produced: usize, msg: &Inbound) -> Option<Op> {
    Some(Op::Command(match msg {
        Inbound::Produce { key } => demo::produce(
            preset,
            key.as_deref(),
            &crate::link::record_value(preset, produced + 1),
        ),
        Inbound::Set { key, value } if key == "acks" => demo::set_acks(value),
        Inbound::Set { key, value } => Command::AlterTopicConfig {
            topic: preset.topic().to_string(),
            key: key.clone(),
            value: value.clone(),
        },
        Inbound::CrashBroker { broker } => Command::CrashBroker { broker: *broker },
        Inbound::RestartBroker { broker } => Command::RestartBroker { broker: *broker },
        Inbound::Advance { ms } => return Some(Op::Advance { ms: *ms }),
        Inbound::Play | Inbound::Pause | Inbound::GetState => return None,
    }))
}

/// The full playground's address for what the widget shows ("Open in Kafka Playground").
fn full_url(cfg: &EmbedConfig, view: &View, now_ms: u64) -> String {
    if let Some(lesson) = &cfg.lesson {
        // The lesson run as it is now, when the worker could make a link of it.
        return match view.lesson.as_ref().and_then(|s| s.share.clone()) {
            Some(Ok(link)) => format!("./{link}"),
            _ => format!("./?lesson={}", embed::percent_encode(lesson)),
        };
    }
    let inputs: Vec<(u64, String)> = view
        .timeline
        .inputs
        .iter()
        .filter(|m| m.at_ms <= now_ms)
        .filter_map(|m| m.code.clone().map(|c| (m.at_ms, c)))
        .collect();
    format!(
        "./?preset={}{}",
        cfg.preset.id(),
        crate::link::encode(cfg.preset, now_ms, &inputs)
    )
}

/// Everything the widget renders from.
pub struct Frame<'a> {
    pub cfg: &'a EmbedConfig,
    pub lang: Lang,
    pub view: &'a View,
    pub snapshot: Rc<Snapshot>,
    pub send: Send,
    pub playing: bool,
    pub on_toggle_play: Callback<()>,
    pub produced: usize,
    pub stream_left: usize,
    /// Why a lesson link (`run=` of a lesson widget) could not be replayed.
    pub link_error: Option<String>,
}

/// The widget.
pub fn render(f: Frame) -> Html {
    let cfg = f.cfg;
    let l = f.lang;
    let s = &f.snapshot;
    let preset = cfg.preset;
    let time = cfg.allows(Control::Time);
    let title = cfg.widget.title(l);
    let subtitle = match (&cfg.lesson, cfg.widget) {
        (Some(id), _) => crate::lessons::find(id)
            .map(|x| x.title.get(l.code()).to_string())
            .unwrap_or_default(),
        (None, _) => format!(
            "{} · {}",
            preset.id(),
            super::controls::format_clock(s.now_ms)
        ),
    };
    let on_play = f.on_toggle_play.reform(|_| ());
    let advance = {
        let send = f.send.clone();
        Callback::from(move |_| send.op.emit(Op::Advance { ms: 10_000 }))
    };
    let note = cfg.note.as_ref().map(|n| {
        html! {
            <div class="embed-note" data-testid="embed-note">{ crate::markdown::render(n) }</div>
        }
    });
    let topic = s.topics.iter().find(|t| t.name == preset.topic()).cloned();
    let only = |names: &[Control]| -> Option<Vec<String>> {
        Some(
            names
                .iter()
                .filter(|c| cfg.allows(**c))
                .map(|c| c.id().to_string())
                .collect(),
        )
    };
    let producer_fields = only(&[
        Control::Acks,
        Control::MinIsr,
        Control::Key,
        Control::Produce,
        Control::Stream,
    ]);
    let has_producer = producer_fields.as_ref().is_some_and(|v| !v.is_empty());
    let allowed = Rc::new(cfg.broker_actions());
    let producer_panel = html! {
        <super::producer::ProducerPanel lang={l} {preset} topic={topic.clone()} producers={s.producers.clone()}
            produced={f.produced} stream_left={f.stream_left} send={f.send.clone()} only={producer_fields.clone()} />
    };
    let results = html! { <super::producer::Results lang={l} requests={s.requests.clone()} now_ms={s.now_ms} /> };
    let partitions = partitions_panel(l, s, preset);
    let brokers = brokers_panel(l, s, &f.send, allowed.clone());
    let body = match cfg.widget {
        Widget::Cluster => html! {
            <div class="embed-grid">
                <div class="embed-main">
                    <super::cluster::ClusterPanel lang={l} snapshot={s.clone()} send={f.send.clone()} allowed={Some(allowed.clone())} />
                    { partitions }
                </div>
                <div class="embed-side">
                    if has_producer { { producer_panel } }
                    { results }
                </div>
            </div>
        },
        Widget::Producer => html! {
            <div class="embed-grid">
                <div class="embed-main">
                    { brokers }
                    { partitions }
                </div>
                <div class="embed-side">
                    if has_producer { { producer_panel } }
                    { results }
                </div>
            </div>
        },
        Widget::Group => html! {
            <div class="embed-grid">
                <div class="embed-main">
                    <super::groups::GroupsPanel lang={l} topic={s.topics.iter().find(|t| !t.name.starts_with("__")).map(|t| t.name.clone()).unwrap_or_default()}
                        groups={s.groups.clone()} consumers={s.consumers.clone()} send={f.send.clone()}
                        actions={cfg.allows(Control::CrashConsumer)} />
                    { brokers }
                </div>
                <div class="embed-side">
                    if has_producer { { producer_panel } }
                    { results }
                </div>
            </div>
        },
        Widget::Lesson => match (&f.view.lesson, &cfg.lesson) {
            (Some(status), Some(id)) => {
                let log: Vec<_> = f.view.log.iter().rev().take(12).rev().cloned().collect();
                html! {
                    <super::lesson::Player lang={l} lesson={id.clone()} status={status.clone()} snapshot={s.clone()}
                        send={f.send.clone()} progress={kplay_engine::lesson::progress::Progress::default()}
                        set_progress={Callback::noop()} on_list={Callback::noop()} log={Rc::new(log)} />
                }
            }
            _ => html! { <p class="empty">{ l.t("Starting the lesson…", "正在启动课程…") }</p> },
        },
    };
    html! {
        <div class="embed-shell" data-widget={cfg.widget.id()} data-testid="embed" data-now={s.now_ms.to_string()}>
            <header class="embed-bar">
                <span class="embed-logo" aria-hidden="true">
                    <svg viewBox="0 0 32 32" width="22" height="22">
                        <circle cx="16" cy="6" r="4" /><circle cx="7" cy="24" r="4" /><circle cx="25" cy="24" r="4" />
                        <path d="M16 10 L7 20 M16 10 L25 20 M11 24 L21 24" />
                    </svg>
                </span>
                <div class="embed-titles">
                    <h1 class="embed-title">{ title }</h1>
                    <p class="embed-sub mono" data-testid="embed-clock">{ subtitle }</p>
                </div>
                <div class="embed-actions">
                    if time {
                        <button class="btn small primary" onclick={on_play} data-testid="play-toggle" aria-pressed={(!f.playing).to_string()}>
                            { if f.playing { l.t("Pause", "暂停") } else { l.t("Play", "播放") } }
                        </button>
                        <button class="btn small" onclick={advance} data-testid="advance-10s"
                            title={l.t("Fencing a crashed broker takes broker.session.timeout.ms = 9000 ms", "宕机 broker 被隔离需要 broker.session.timeout.ms = 9000 ms")}>
                            { "+10 s" }
                        </button>
                    }
                    if cfg.readonly {
                        <span class="pill muted" data-testid="readonly">{ l.t("read-only", "只读") }</span>
                    }
                    <a class="btn small ghost" href={full_url(cfg, f.view, s.now_ms)} target="_blank" rel="noopener" data-testid="embed-open">
                        { l.t("Open in Kafka Playground ↗", "在 Kafka Playground 中打开 ↗") }
                    </a>
                </div>
            </header>
            { note.unwrap_or_default() }
            if let Some(err) = f.view.error.clone() {
                <div class="banner bad" role="alert">{ err }</div>
            }
            if let Some(err) = f.link_error.clone() {
                <div class="banner bad" role="alert" data-testid="embed-link-error">
                    <b>{ l.t("The lesson link could not be replayed: ", "无法重放这个课程链接：") }</b>{ err }
                </div>
            }
            <main id="main" class="embed-body lock-controllers">{ body }</main>
        </div>
    }
}

fn partitions_panel(l: Lang, s: &Snapshot, preset: Preset) -> Html {
    let topic = s.topics.iter().find(|t| t.name == preset.topic());
    let compact = topic.is_some_and(|t| t.partitions.len() > 1);
    html! {
        <section class="panel o-partitions" aria-labelledby="partitions-h">
            <div class="panel-head">
                <h2 id="partitions-h">{ l.t("Partitions & replica logs", "分区与副本日志") }</h2>
                <super::partition::Legend lang={l} />
            </div>
            <div class={classes!("partitions", compact.then_some("compact"))}>
                { for topic.into_iter().flat_map(|t| {
                    let min_isr = t.min_insync_replicas;
                    t.partitions.iter().map(move |pv| html! {
                        <super::partition::PartitionCard lang={l} partition={pv.clone()} {min_isr} {compact}
                            key={pv.tp.to_string()} unclean={None} election_error={None} on_elect={Callback::noop()} elect={false} />
                    })
                }) }
            </div>
        </section>
    }
}

fn brokers_panel(l: Lang, s: &Snapshot, send: &Send, allowed: Rc<Vec<String>>) -> Html {
    html! {
        <section class="panel o-cluster" aria-labelledby="brokers-h">
            <div class="panel-head">
                <h2 id="brokers-h">{ l.t("Brokers", "Broker") }</h2>
                <span class="panel-note">{ l.t("crash one and watch the ISR", "让一个宕机，观察 ISR") }</span>
            </div>
            <div class="cluster-grid">
                { for s.brokers.iter().map(|b| {
                    let leads = super::cluster::leads_of(s, b.id);
                    let reg = s.controller.registrations.iter().find(|r| r.broker == b.id).cloned();
                    html! { <super::cluster::BrokerCard lang={l} broker={b.clone()} registration={reg} {leads}
                        isolated={false} slow_ms={0} cut_links={0} send={send.clone()} allowed={Some(allowed.clone())} key={b.id.0} /> }
                }) }
            </div>
        </section>
    }
}

/// Shown instead of the widget when its address does not parse.
pub fn render_error(l: Lang, reason: &str) -> Html {
    html! {
        <div class="embed-shell embed-error" data-testid="embed">
            <div class="banner bad" role="alert" data-testid="embed-error">
                <b>{ l.t("This widget cannot be shown: ", "无法显示这个组件：") }</b>{ reason.to_string() }
            </div>
            <p class="help">{ l.t("The embed parameters are described in docs/embed.md (embed-docs.html on this site).", "嵌入参数见 docs/embed.md（本站的 embed-docs.html）。") }</p>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct CopyEmbedProps {
    pub lang: Lang,
    pub mode: Mode,
    pub preset: Preset,
    /// The current run, as a link body (`v1/…`), for the sandbox.
    pub run: Option<String>,
    /// The lesson and step on screen, in the lessons view.
    pub lesson: Option<(String, usize)>,
}

/// "Copy embed code": pick a widget and its controls, see a live preview, copy the
/// `<kafka-playground>` element or a plain iframe.
#[function_component(CopyEmbed)]
pub fn copy_embed(p: &CopyEmbedProps) -> Html {
    let l = p.lang;
    let open = use_state(|| false);
    let widget = use_state(|| match p.mode {
        Mode::Lessons => Widget::Lesson,
        Mode::Sandbox if p.preset == Preset::Groups => Widget::Group,
        Mode::Sandbox => Widget::Producer,
    });
    let controls = use_state(|| None::<Vec<Control>>);
    let theme = use_state(|| Theme::Auto);
    let copied = use_state(|| false);
    // The run as it was when the dialog opened: the clock moves on, the preview must not reload.
    let frozen = use_state(|| None::<(Option<String>, Option<(String, usize)>)>);
    let toggle = {
        let open = open.clone();
        let frozen = frozen.clone();
        let now = (p.run.clone(), p.lesson.clone());
        Callback::from(move |_| {
            frozen.set((!*open).then(|| now.clone()));
            open.set(!*open);
        })
    };
    let (run, lesson) = (*frozen)
        .clone()
        .unwrap_or_else(|| (p.run.clone(), p.lesson.clone()));
    let w = if lesson.is_none() && *widget == Widget::Lesson {
        Widget::Producer
    } else {
        *widget
    };
    let chosen = (*controls).clone().unwrap_or_else(|| w.default_controls());
    let query = {
        let mut q = vec![format!("embed={}", w.id())];
        match (w, &lesson, &run) {
            (Widget::Lesson, Some((id, step)), _) => {
                q.push(format!("lesson={id}"));
                q.push(format!("step={}", step + 1));
            }
            (_, _, Some(run)) if p.mode == Mode::Sandbox => q.push(format!("run={run}")),
            _ => q.push(format!("scenario={}", p.preset.id())),
        }
        if w != Widget::Lesson && chosen != w.default_controls() {
            let names: Vec<&str> = chosen.iter().map(|c| c.id()).collect();
            q.push(format!("controls={}", names.join(",")));
        }
        if *theme != Theme::Auto {
            q.push(format!("theme={}", theme.id()));
        }
        q
    };
    let base = site_base();
    let src = format!("{base}?{}", query.join("&"));
    let attrs: Vec<String> = query
        .iter()
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let k = match k {
                "embed" => "widget",
                "t" => "start",
                other => other,
            };
            format!("{k}=\"{}\"", html_attr(v))
        })
        .collect();
    let component = format!(
        "<script src=\"{base}embed.js\" defer></script>\n<kafka-playground {}></kafka-playground>",
        attrs.join(" ")
    );
    let iframe = format!(
        "<iframe src=\"{}\" title=\"{}\" loading=\"lazy\" style=\"width:100%;height:{}px;border:0\"></iframe>",
        html_attr(&src),
        html_attr(w.title(l)),
        w.iframe_height()
    );
    let on_copy = {
        let text = component.clone();
        let copied = copied.clone();
        Callback::from(move |_| {
            if let Some(w) = web_sys::window() {
                let _ = w.navigator().clipboard().write_text(&text);
            }
            copied.set(true);
        })
    };
    let widget_choices: Vec<Widget> = Widget::ALL
        .into_iter()
        .filter(|x| *x != Widget::Lesson || lesson.is_some())
        .collect();
    html! {
        <>
            <button class="btn small" onclick={toggle.clone()} data-testid="embed-code-btn" aria-expanded={open.to_string()}>
                { l.t("Copy embed code", "复制嵌入代码") }
            </button>
            if *open {
                <div class="embed-dialog" role="dialog" aria-modal="false" aria-labelledby="embed-dialog-h" data-testid="embed-dialog">
                    <div class="embed-dialog-head">
                        <h2 id="embed-dialog-h">{ l.t("Embed this view in your docs", "把这个视图嵌入你的文档") }</h2>
                        <button class="btn small ghost" onclick={toggle} aria-label={l.t("Close", "关闭")}>{ "✕" }</button>
                    </div>
                    <div class="embed-dialog-grid">
                        <div class="embed-options">
                            <label class="inline-field">
                                <span>{ l.t("Widget", "组件") }</span>
                                <select data-testid="embed-widget" onchange={{
                                    let widget = widget.clone();
                                    let controls = controls.clone();
                                    Callback::from(move |e: Event| {
                                        if let Some(s) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                                            if let Some(x) = Widget::from_id(&s.value()) { widget.set(x); controls.set(None); }
                                        }
                                    })
                                }}>
                                    { for widget_choices.iter().map(|x| html! {
                                        <option value={x.id()} selected={*x == w}>{ x.id() }</option>
                                    }) }
                                </select>
                            </label>
                            if w != Widget::Lesson {
                                <fieldset class="embed-controls">
                                    <legend>{ l.t("Controls readers may use", "读者可以使用的控件") }</legend>
                                    { for Control::ALL.iter().map(|c| {
                                        let on = chosen.contains(c);
                                        let controls = controls.clone();
                                        let chosen = chosen.clone();
                                        let c = *c;
                                        let onchange = Callback::from(move |_| {
                                            let mut next: Vec<Control> = Control::ALL.into_iter()
                                                .filter(|x| if *x == c { !on } else { chosen.contains(x) }).collect();
                                            next.dedup();
                                            controls.set(Some(next));
                                        });
                                        html! {
                                            <label class="check"><input type="checkbox" checked={on} {onchange} data-testid={format!("embed-ctl-{}", c.id())} />
                                                <span class="mono">{ c.id() }</span></label>
                                        }
                                    }) }
                                </fieldset>
                            }
                            <label class="inline-field">
                                <span>{ l.t("Theme", "主题") }</span>
                                <select data-testid="embed-theme" onchange={{
                                    let theme = theme.clone();
                                    Callback::from(move |e: Event| {
                                        if let Some(s) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                                            theme.set(match s.value().as_str() { "light" => Theme::Light, "dark" => Theme::Dark, _ => Theme::Auto });
                                        }
                                    })
                                }}>
                                    { for [Theme::Auto, Theme::Light, Theme::Dark].iter().map(|t| html! {
                                        <option value={t.id()} selected={*t == *theme}>{ t.id() }</option>
                                    }) }
                                </select>
                            </label>
                            <p class="help">{ l.t("Web component (recommended: lazy, titled, resizes to its content):", "Web 组件（推荐：懒加载、带标题、按内容调整高度）：") }</p>
                            <pre class="embed-code" data-testid="embed-code"><code>{ component.clone() }</code></pre>
                            <button class="btn small primary" onclick={on_copy} data-testid="embed-copy">{ l.t("Copy", "复制") }</button>
                            if *copied { <span class="timeline-state small" role="status">{ l.t(" Copied.", " 已复制。") }</span> }
                            <p class="help">{ l.t("Or a plain iframe (Markdown / mdBook pages can hold either as raw HTML):", "或者普通 iframe（Markdown / mdBook 页面可以直接写这两种 HTML）：") }</p>
                            <pre class="embed-code" data-testid="embed-iframe-code"><code>{ iframe }</code></pre>
                        </div>
                        <div class="embed-preview">
                            <p class="help">{ l.t("Preview", "预览") }</p>
                            <iframe src={src} title={w.title(l)} loading="lazy" data-testid="embed-preview"></iframe>
                        </div>
                    </div>
                </div>
            }
        </>
    }
}

/// The site's base address (where index.html and embed.js live), from this page's address.
fn site_base() -> String {
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return "./".to_string();
    };
    let origin = loc.origin().unwrap_or_default();
    let path = loc.pathname().unwrap_or_default();
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "/",
    };
    format!("{origin}{dir}")
}

/// Escapes a value for a double-quoted HTML attribute.
fn html_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
