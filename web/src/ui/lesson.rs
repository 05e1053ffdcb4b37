//! The lessons view: the lesson list with mastery, and the lesson player.
//!
//! The worker hosts the lesson (`Op::StartLesson`, `Op::LessonStep`, `Op::LessonPredict`,
//! `Op::LessonSolve`) and answers with a [`LessonStatus`] on every reply: the current step's
//! checklist (checked by the engine's predicates, texts from `Predicate::describe`), the engine's
//! answer to the prediction, and which steps are done. The page only renders that, the lesson's
//! static text (parsed from the same bundled files) and the learner's progress in localStorage.

use super::Send;
use crate::client_controls::{self as cc, reference};
use crate::i18n::Lang;
use crate::lessons;
use crate::markdown;
use crate::progress_store;
use crate::protocol::{LessonStatus, Op};
use kplay_engine::config::ConfigScope;
use kplay_engine::lesson::progress::{self, Progress};
use kplay_engine::lesson::{Lesson, LessonStep, Text, SECTIONS};
use kplay_engine::scenario::{Action, Step};
use kplay_engine::{Command, Snapshot};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

fn tx(l: Lang, t: &Text) -> String {
    t.get(l.code()).to_string()
}

fn section_name(l: Lang, s: u8) -> String {
    let (num, zh, en) = SECTIONS[(s as usize).clamp(1, 10) - 1];
    match l {
        Lang::En => format!("{num} · {en}"),
        Lang::Zh => format!("{num}、{zh}"),
    }
}

#[derive(Properties, PartialEq)]
pub struct LessonsPageProps {
    pub lang: Lang,
    /// The lesson the worker is playing, if any.
    pub status: Option<LessonStatus>,
    pub snapshot: Rc<Snapshot>,
    pub send: Send,
    /// Event log lines of the run (for the player's "what happened" list).
    pub log: Rc<Vec<Rc<crate::state::LogLine>>>,
}

/// The lessons view: the list, or the player while a lesson is open.
#[function_component(LessonsPage)]
pub fn lessons_page(p: &LessonsPageProps) -> Html {
    let l = p.lang;
    let loaded = use_state(progress_store::load);
    let progress = use_state(|| loaded.progress.clone());
    let notice = use_state(|| loaded.notice.clone());
    let show_list = use_state(|| false);

    let Ok(all) = lessons::all() else {
        let err = lessons::all().as_ref().err().cloned().unwrap_or_default();
        return html! {
            <div class="banner bad" role="alert" data-testid="lessons-error">
                { l.t("The lessons could not be loaded: ", "无法加载课程：") }{ err }
            </div>
        };
    };

    let set_progress = {
        let progress = progress.clone();
        Callback::from(move |p: Progress| {
            progress_store::save(&p);
            progress.set(p);
        })
    };

    // A lesson is complete once every step is done: recorded in the progress.
    {
        let status = p.status.clone();
        let progress = progress.clone();
        let set_progress = set_progress.clone();
        let key = status.as_ref().map(|s| (s.lesson.clone(), s.done.clone()));
        use_effect_with(key, move |_| {
            if let Some(s) = status {
                let all_done = !s.done.is_empty() && s.done.iter().all(|d| *d);
                match &s.challenge {
                    Some(c) if all_done && !progress.solved_challenges.contains(c) => {
                        let mut next = (*progress).clone();
                        next.solve_challenge(c);
                        set_progress.emit(next);
                    }
                    None if all_done && !progress.completed_lessons.contains(&s.lesson) => {
                        let mut next = (*progress).clone();
                        next.complete_lesson(&s.lesson);
                        set_progress.emit(next);
                    }
                    _ => {}
                }
            }
        });
    }

    let on_open = {
        let send = p.send.clone();
        let show_list = show_list.clone();
        Callback::from(move |id: String| {
            show_list.set(false);
            send.op.emit(Op::StartLesson { lesson: id });
            scroll_top();
        })
    };
    let on_list = {
        let show_list = show_list.clone();
        Callback::from(move |_| {
            show_list.set(true);
            scroll_top();
        })
    };
    let notice_html = (*notice).clone().map(|n| {
        let notice = notice.clone();
        html! {
            <div class="banner warn" role="alert" data-testid="progress-notice">
                <b>{ l.t("Your saved progress could not be read, so you start fresh: ", "无法读取已保存的进度，已重新开始：") }</b>
                { n }
                { l.t(" (the unreadable value is kept in localStorage under kplay.progress.unreadable)", "（无法读取的内容保存在 localStorage 的 kplay.progress.unreadable 下）") }
                <button class="btn small" onclick={Callback::from(move |_| notice.set(None))}>{ l.t("Dismiss", "关闭") }</button>
            </div>
        }
    });

    let playing = p.status.as_ref().and_then(|s| {
        all.iter()
            .find(|x| x.id == s.lesson)
            .map(|x| (x, s.clone()))
    });
    html! {
        <div class="lessons-page">
            { notice_html.unwrap_or_default() }
            if let (Some((lesson, status)), false, true) = (playing.clone(), *show_list, p.status.as_ref().is_some_and(|s| s.challenge.is_some())) {
                <ChallengePlayer lang={l} lesson={lesson.id.clone()} status={status} snapshot={p.snapshot.clone()}
                    send={p.send.clone()} on_list={on_list.clone()} solved_before={p.status.as_ref().and_then(|s| s.challenge.clone()).is_some_and(|c| progress.solved_challenges.contains(&c))} />
            } else if let (Some((lesson, status)), false) = (playing, *show_list) {
                <Player lang={l} lesson={lesson.id.clone()} status={status} snapshot={p.snapshot.clone()}
                    send={p.send.clone()} progress={(*progress).clone()} set_progress={set_progress.clone()}
                    on_list={on_list} log={p.log.clone()} />
            } else {
                <LessonList lang={l} progress={(*progress).clone()} set_progress={set_progress}
                    on_open={on_open} set_notice={Callback::from(move |n| notice.set(n))} />
            }
        </div>
    }
}

fn scroll_top() {
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

#[derive(Properties, PartialEq)]
struct ListProps {
    lang: Lang,
    progress: Progress,
    set_progress: Callback<Progress>,
    on_open: Callback<String>,
    set_notice: Callback<Option<String>>,
}

/// The lesson list by section, with mastery and what to study next.
#[function_component(LessonList)]
fn lesson_list(p: &ListProps) -> Html {
    let l = p.lang;
    let all: &[Lesson] = lessons::all().as_deref().unwrap_or(&[]);
    let m = progress::mastery(all, &p.progress);
    let next = progress::study_next(all, &p.progress);
    let on_export = {
        let prog = p.progress.clone();
        Callback::from(move |_| {
            download("kafka-playground-progress.json", &progress::export(&prog))
        })
    };
    let on_import = {
        let set_progress = p.set_progress.clone();
        let set_notice = p.set_notice.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let set_progress = set_progress.clone();
            let set_notice = set_notice.clone();
            yew::platform::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text())
                    .await
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default();
                match progress::import(&text) {
                    Ok(p) => {
                        set_notice.emit(None);
                        set_progress.emit(p);
                    }
                    Err(e) => set_notice.emit(Some(e.reason)),
                }
            });
        })
    };
    let on_reset = {
        let set_progress = p.set_progress.clone();
        let lang = l;
        Callback::from(move |_| {
            let ok = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(lang.t(
                        "Reset all lesson progress? This cannot be undone (export it first to keep a copy).",
                        "重置所有课程进度？无法撤销（可先导出保存一份）。",
                    ))
                    .ok()
                })
                .unwrap_or(true);
            if ok {
                set_progress.emit(Progress::new());
            }
        })
    };
    html! {
        <main id="main" class="lesson-list" tabindex="-1">
            <section class="panel mastery" aria-labelledby="mastery-h" data-testid="mastery">
                <div class="panel-head">
                    <h2 id="mastery-h">{ l.t("Your mastery", "掌握程度") }</h2>
                    <span class="mastery-overall" data-testid="mastery-overall" data-percent={m.overall_percent.to_string()}>
                        { format!("{}%", m.overall_percent) }
                        <span class="muted">{ l.t(" overall", " 总体") }</span>
                    </span>
                </div>
                <p class="muted small">{ l.t(
                    "A completed lesson is worth 3 points, a right answer 1, a solved challenge 2. Sections without lessons yet are not counted.",
                    "完成一课得 3 分，答对一题得 1 分，完成一个挑战得 2 分。还没有课程的小节不计入。") }</p>
                <ol class="mastery-bars">
                    { for m.sections.iter().map(|s| {
                        let has = s.possible > 0;
                        html! {
                            <li class={classes!("mbar", (!has).then_some("empty"))} data-testid={format!("mastery-section-{}", s.section)} data-percent={s.percent.to_string()}>
                                <span class="mbar-name">{ section_name(l, s.section) }</span>
                                <span class="mbar-track" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                                    aria-valuenow={s.percent.to_string()} aria-label={section_name(l, s.section)}>
                                    <span class="mbar-fill" style={format!("width:{}%", s.percent)}></span>
                                </span>
                                <span class="mbar-pct">{ if has { format!("{}%", s.percent) } else { l.t("soon", "即将推出").to_string() } }</span>
                            </li>
                        }
                    }) }
                </ol>
                <h3 class="sub">{ l.t("What to study next", "接下来学什么") }</h3>
                <ol class="study-next" data-testid="study-next">
                    { for next.iter().take(4).map(|s| html! { <li>{ tx(l, &s.text) }</li> }) }
                </ol>
                <div class="progress-tools" role="group" aria-label={l.t("Progress file", "进度文件")}>
                    <button class="btn small" onclick={on_export} data-testid="progress-export">{ l.t("Export progress", "导出进度") }</button>
                    <label class="btn small file-btn">
                        { l.t("Import progress…", "导入进度…") }
                        <input type="file" accept="application/json,.json" class="sr-only" data-testid="progress-import"
                            onchange={on_import} aria-label={l.t("Import a progress file", "导入进度文件")} />
                    </label>
                    <button class="btn small danger" onclick={on_reset} data-testid="progress-reset">{ l.t("Reset progress", "重置进度") }</button>
                </div>
            </section>
            <div class="lesson-sections">
            { for (1..=10u8).filter(|s| all.iter().any(|x| x.section == *s)).map(|s| html! {
                <section class="lesson-section" aria-label={section_name(l, s)}>
                    <h2 class="section-h">{ section_name(l, s) }</h2>
                    <div class="lesson-cards">
                        { for all.iter().filter(|x| x.section == s).map(|x| {
                            let done = p.progress.completed_lessons.contains(&x.id);
                            let open = { let id = x.id.clone(); p.on_open.reform(move |_| id.clone()) };
                            html! {
                                <article class={classes!("lesson-card", done.then_some("done"))} data-testid={format!("lesson-card-{}", x.id)} data-complete={done.to_string()}>
                                    <header>
                                        <span class="lesson-num" aria-hidden="true">{ x.section_numeral() }</span>
                                        <h3>{ tx(l, &x.title) }</h3>
                                    </header>
                                    <p>{ tx(l, &x.summary) }</p>
                                    <footer>
                                        <span class={classes!("pill", if done { "good" } else { "neutral" })}>
                                            { if done { l.t("✓ completed", "✓ 已完成") } else { l.t("not completed", "未完成") } }
                                        </span>
                                        <span class="muted small">{ format!("{} {}", x.steps.len(), l.t("steps", "步")) }</span>
                                        <button class="btn primary small" onclick={open} data-testid={format!("lesson-open-{}", x.id)}
                                            aria-label={format!("{} {}", if done { l.t("Replay", "重玩") } else { l.t("Start", "开始") }, tx(l, &x.title))}>
                                            { if done { l.t("Replay", "重玩") } else { l.t("Start", "开始") } }
                                        </button>
                                    </footer>
                                </article>
                            }
                        }) }
                    </div>
                </section>
            }) }
            </div>
        </main>
    }
}

/// Offers `text` as a file download.
fn download(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(a) = doc
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

#[derive(Properties, PartialEq)]
pub struct PlayerProps {
    pub lang: Lang,
    pub lesson: String,
    pub status: LessonStatus,
    pub snapshot: Rc<Snapshot>,
    pub send: Send,
    pub progress: Progress,
    pub set_progress: Callback<Progress>,
    pub on_list: Callback<()>,
    pub log: Rc<Vec<Rc<crate::state::LogLine>>>,
}

/// The lesson player.
#[function_component(Player)]
pub fn player(p: &PlayerProps) -> Html {
    let l = p.lang;
    let hints = use_state(|| 0usize);
    let choice = use_state(|| None::<String>);
    {
        // A new step: hints folded, no choice picked.
        let hints = hints.clone();
        let choice = choice.clone();
        use_effect_with((p.lesson.clone(), p.status.step), move |_| {
            hints.set(0);
            choice.set(None);
            // Keyboard and screen-reader users land on the new step's heading.
            if let Some(h) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("step-h"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = h.focus();
            }
        });
    }
    let Some(lesson) = lessons::find(&p.lesson) else {
        return html! {};
    };
    let st = &p.status;
    let idx = st.step.min(lesson.steps.len().saturating_sub(1));
    let Some(step) = lesson.steps.get(idx) else {
        return html! {};
    };
    let n = lesson.steps.len();
    let go = |i: usize| {
        let send = p.send.clone();
        Callback::from(move |_| {
            send.op.emit(Op::LessonStep { step: i });
            scroll_top();
        })
    };
    let on_show_me = {
        let send = p.send.clone();
        Callback::from(move |_| send.op.emit(Op::LessonSolve))
    };
    let step_done = st.done.get(idx).copied().unwrap_or(false);
    let all_met = !st.goals.is_empty() && st.goals.iter().all(|g| g.check.met);
    let awaiting_prediction = step.predict.is_some() && st.prediction.is_none();
    let lesson_done = st.done.iter().all(|d| *d);
    let allowed = Rc::new(step.controls.clone());
    let lock_controllers = !step
        .controls
        .iter()
        .any(|c| c == "crash_controller" || c == "restart_controller");
    let met = st.goals.iter().filter(|g| g.check.met).count();
    // The step's topics first, the others folded (all of them while none of the step's exist).
    let focus = step_topics(step);
    let focus_exists = p.snapshot.topics.iter().any(|t| focus.contains(&t.name));
    let (mine, rest): (Vec<_>, Vec<_>) = p
        .snapshot
        .topics
        .iter()
        .partition(|t| !focus_exists || focus.contains(&t.name));
    let cards = |topics: &[&kplay_engine::snapshot::TopicView]| -> Html {
        topics
            .iter()
            .flat_map(|t| {
                let min_isr = t.min_insync_replicas;
                t.partitions.iter().map(move |pv| html! {
                    <super::partition::PartitionCard lang={l} partition={pv.clone()} {min_isr} compact={true}
                        key={pv.tp.to_string()} unclean={None} election_error={None} on_elect={Callback::noop()} />
                })
            })
            .collect()
    };
    html! {
        <main id="main" class="lesson-player" tabindex="-1" data-testid="lesson-player" data-lesson={lesson.id.clone()} data-step={step.id.clone()}>
            <nav class="lesson-head" aria-label={l.t("Lesson", "课程")}>
                <button class="btn small ghost" onclick={p.on_list.reform(|_| ())} data-testid="lesson-list-btn">
                    { l.t("← All lessons", "← 全部课程") }
                </button>
                <div class="lesson-title">
                    <span class="lesson-num" aria-hidden="true">{ lesson.section_numeral() }</span>
                    <h2>{ tx(l, &lesson.title) }</h2>
                </div>
                <ol class="step-dots" aria-label={l.t("Steps", "步骤")}>
                    { for lesson.steps.iter().enumerate().map(|(i, s)| {
                        let done = st.done.get(i).copied().unwrap_or(false);
                        let label = match l {
                            Lang::En => format!("Step {}: {}{}", i + 1, tx(l, &s.heading), if done { " (done)" } else { "" }),
                            Lang::Zh => format!("第 {} 步：{}{}", i + 1, tx(l, &s.heading), if done { "（已完成）" } else { "" }),
                        };
                        html! {
                            <li>
                                <button class={classes!("dot", done.then_some("done"), (i == idx).then_some("current"))}
                                    onclick={go(i)} aria-label={label.clone()} title={label}
                                    aria-current={(i == idx).then_some("step")} data-testid={format!("step-dot-{}", i)}>
                                    { i + 1 }
                                </button>
                            </li>
                        }
                    }) }
                </ol>
            </nav>
            if lesson_done {
                <div class="banner good" role="status" data-testid="lesson-complete">
                    { l.t("Lesson complete — every goal was met. It counts towards your mastery.", "课程完成——所有目标都已达成，计入你的掌握程度。") }
                </div>
            }
            <div class={classes!("lesson-layout", lock_controllers.then_some("lock-controllers"))}>
                <div class="lesson-main">
                    <section class="panel step-card" aria-labelledby="step-h">
                        <p class="step-count muted">{ format!("{} {} / {}", l.t("Step", "步骤"), idx + 1, n) }</p>
                        <h2 id="step-h" data-testid="step-heading" tabindex="-1">{ tx(l, &step.heading) }</h2>
                        <div class="prose" data-testid="step-text">{ markdown::render(step.text.get(l.code())) }</div>
                        if !step.demo.is_empty() {
                            <p class="demo-note" data-testid="demo-note">
                                <span class="pill neutral">{ l.t("demo", "演示") }</span>
                                { l.t(" This step's demo already ran: ", " 这一步的演示已经运行：") }
                                <code>{ steps_text(&step.demo) }</code>
                            </p>
                        }
                        if !step.refusals.is_empty() {
                            <div class="refusals">
                                <h3 class="sub">{ l.t("What Kafka refuses", "Kafka 会拒绝的操作") }</h3>
                                { for step.refusals.iter().map(|r| html! {
                                    <div class="refusal">
                                        <pre><code>{ r.attempt.clone() }</code></pre>
                                        <p class="bad-text mono">{ r.error.clone() }</p>
                                        <p class="small">{ tx(l, &r.why) }</p>
                                    </div>
                                }) }
                            </div>
                        }
                    </section>
                    if let Some(pred) = &step.predict {
                        <Predict lang={l} step={step_key(lesson, idx)} question={pred.question.clone()}
                            choices={pred.choices.iter().map(|c| (c.id.clone(), c.text.clone())).collect::<Vec<_>>()}
                            picked={(*choice).clone()} on_pick={{ let c = choice.clone(); Callback::from(move |id| c.set(Some(id))) }}
                            predicted={st.predicted.clone()} result={st.prediction.clone()} send={p.send.clone()}
                            action={steps_text(&pred.action)} />
                    }
                    <section class="panel goals-panel" aria-labelledby="goals-h">
                        <div class="panel-head">
                            <h2 id="goals-h">{ l.t("Goals", "目标") }</h2>
                            <span class="panel-note" data-testid="goals-count">{ format!("{met}/{}", st.goals.len()) }</span>
                        </div>
                        if st.goals.is_empty() {
                            <p class="muted small">{ l.t("No checked goals in this step: read, try, then go on.", "这一步没有要检查的目标：阅读、动手，然后继续。") }</p>
                        }
                        <ul class="goal-list" data-testid="goal-list" aria-live="polite">
                            { for st.goals.iter().map(|g| html! {
                                <li class={classes!("goal", g.check.met.then_some("met"))} data-testid={format!("goal-{}", g.id)} data-met={g.check.met.to_string()}>
                                    <span class="goal-box" aria-hidden="true">{ if g.check.met { "✓" } else { "" } }</span>
                                    <span class="sr-only">{ if g.check.met { l.t("Done: ", "已达成：") } else { l.t("Not yet: ", "未达成：") } }</span>
                                    <span class="goal-text">
                                        { tx(l, &g.text) }
                                        <span class="goal-observed">{ tx(l, &g.check.observed) }</span>
                                    </span>
                                </li>
                            }) }
                        </ul>
                        if all_met && !awaiting_prediction {
                            <p class="good-text" role="status" data-testid="step-done">{ l.t("✓ Every goal of this step is met.", "✓ 这一步的目标全部达成。") }</p>
                        }
                    </section>
                    <LessonControls lang={l} step={step.clone()} snapshot={p.snapshot.clone()} send={p.send.clone()}
                        locked={awaiting_prediction} />
                    <section class="panel help-panel" aria-label={l.t("Help", "帮助")}>
                        <div class="help-row">
                            if !step.hints.is_empty() {
                                <button class="btn small" data-testid="hint-btn" aria-expanded={(*hints > 0).to_string()}
                                    disabled={*hints >= step.hints.len()}
                                    onclick={{ let h = hints.clone(); Callback::from(move |_| h.set(*h + 1)) }}>
                                    { if *hints == 0 { l.t("Show a hint", "显示提示") } else { l.t("Another hint", "再来一个提示") } }
                                </button>
                            }
                            if !step.solution.is_empty() || step.predict.is_some() {
                                <button class="btn small" onclick={on_show_me} data-testid="show-me"
                                    title={l.t("Run the reference solution of this step on the cluster", "在集群上运行这一步的参考答案")}>
                                    { l.t("Show me", "演示给我看") }
                                </button>
                            }
                        </div>
                        if *hints > 0 {
                            <ol class="hints" data-testid="hints">
                                { for step.hints.iter().take(*hints).map(|h| html! { <li>{ markdown::render(h.get(l.code())) }</li> }) }
                            </ol>
                        }
                    </section>
                    <nav class="step-nav" aria-label={l.t("Step navigation", "步骤导航")}>
                        <button class="btn" onclick={go(idx.saturating_sub(1))} disabled={idx == 0} data-testid="lesson-back">
                            { l.t("← Back", "← 上一步") }
                        </button>
                        if idx + 1 < n {
                            <button class={classes!("btn", step_done.then_some("primary"))} onclick={go(idx + 1)} data-testid="lesson-next">
                                { if step_done { l.t("Next →", "下一步 →") } else { l.t("Skip to next →", "跳到下一步 →") } }
                            </button>
                        } else {
                            <button class="btn" onclick={p.on_list.reform(|_| ())} data-testid="lesson-finish">
                                { l.t("Back to the lesson list", "回到课程列表") }
                            </button>
                        }
                    </nav>
                </div>
                <div class="lesson-side">
                    <super::cluster::ClusterPanel lang={l} snapshot={p.snapshot.clone()} send={p.send.clone()} allowed={Some(allowed.clone())} />
                    { lesson_groups(l, &p.snapshot, &p.send, step, &allowed, awaiting_prediction) }
                    <TxnLogFacts lang={l} snapshot={p.snapshot.clone()} focus={focus.clone()} />
                    <section class="panel o-partitions" aria-labelledby="lp-partitions-h">
                        <div class="panel-head"><h2 id="lp-partitions-h">{ l.t("Partitions & replica logs", "分区与副本日志") }</h2></div>
                        <div class="partitions compact">{ cards(&mine) }</div>
                        if !rest.is_empty() {
                            <details class="other-topics">
                                <summary>{ format!("{} ({})", l.t("Other topics", "其他 topic"), rest.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")) }</summary>
                                <div class="partitions compact">{ cards(&rest) }</div>
                            </details>
                        }
                    </section>
                    <super::producer::Results lang={l} requests={p.snapshot.requests.clone()} now_ms={p.snapshot.now_ms} />
                    <section class="panel lesson-log" aria-labelledby="lp-log-h">
                        <div class="panel-head"><h2 id="lp-log-h">{ l.t("What just happened", "刚刚发生了什么") }</h2></div>
                        <ol class="mini-log">
                            { for p.log.iter().rev().take(12).map(|line| html! {
                                <li class={classes!("tone", line.tone.class())} key={line.id}>
                                    <span class="mono muted">{ crate::ui::controls::format_clock(line.at_ms) }</span>{ " " }{ line.text(l) }
                                </li>
                            }) }
                        </ol>
                    </section>
                </div>
            </div>
            <Questions lang={l} lesson={lesson.id.clone()} progress={p.progress.clone()} set_progress={p.set_progress.clone()} />
            if !lesson.challenges.is_empty() {
                <section class="panel challenges" aria-labelledby="ch-h" data-testid="challenges">
                    <h2 id="ch-h">{ l.t("Make it happen", "动手挑战") }</h2>
                    <p class="muted small">{ l.t("Each challenge starts a fresh cluster from this lesson's scenario; no reference solution is shown. A solved challenge counts towards your mastery.", "每个挑战都从这一课的初始场景重新开始，不提供参考答案。完成的挑战计入掌握程度。") }</p>
                    <ul class="challenge-list">
                        { for lesson.challenges.iter().map(|c| {
                            let solved = p.progress.solved_challenges.contains(&c.id);
                            let send = p.send.clone();
                            let (lid, cid) = (lesson.id.clone(), c.id.clone());
                            html! {
                                <li>
                                    <span class={classes!("pill", if solved { "good" } else { "neutral" })}>{ if solved { l.t("✓ solved", "✓ 已完成") } else { l.t("open", "未完成") } }</span>
                                    <span class="challenge-text">{ tx(l, &c.text) }</span>
                                    <button class="btn small" data-testid={format!("challenge-start-{}", c.id)}
                                        onclick={Callback::from(move |_| { send.op.emit(Op::StartChallenge { lesson: lid.clone(), challenge: cid.clone() }); scroll_top(); })}>
                                        { l.t("Try it", "试试") }
                                    </button>
                                </li>
                            }
                        }) }
                    </ul>
                </section>
            }
            <div class="lesson-extras">
                <section class="panel simplifications" aria-labelledby="simp-h" data-testid="simplifications">
                    <h2 id="simp-h">{ l.t("Simplifications", "简化之处") }</h2>
                    <p class="muted small">{ l.t("Where this simulation departs from real Kafka, for this lesson's subject:", "这一课涉及的内容中，模拟与真实 Kafka 的不同之处：") }</p>
                    <ul>{ for lesson.simplifications.iter().map(|s| html! { <li>{ markdown::render(s.get(l.code())) }</li> }) }</ul>
                </section>
                <RealKafka lang={l} lesson={lesson.id.clone()} />
            </div>
        </main>
    }
}

/// The consumer-groups panel of the sandbox, once the lesson's cluster has consumers or groups (or
/// the step lets the learner add one). Its consumer buttons are the step's allowed consumer
/// commands only, and none while the prediction is unanswered; adding a consumer is the
/// "Your controls" form, which starts from the step's reference. The groups the step is not about
/// are folded under "Other groups".
fn lesson_groups(
    l: Lang,
    s: &Snapshot,
    send: &Send,
    step: &LessonStep,
    allowed: &Rc<Vec<String>>,
    locked: bool,
) -> Html {
    if !cc::shows_groups(allowed, &s.groups, &s.consumers) {
        return html! {};
    }
    let topic = cc::user_topics(&s.topics)
        .into_iter()
        .next()
        .unwrap_or_default();
    let folded = cc::folded_groups(&cc::step_groups(step, &s.consumers), &s.groups);
    html! {
        <super::groups::GroupsPanel lang={l} {topic} groups={s.groups.clone()} consumers={s.consumers.clone()}
            send={send.clone()} actions={!locked} allowed={Some(allowed.clone())} {folded} />
    }
}

/// The topics the step's demo, prediction and solution touch (its focus in the partitions view).
fn step_topics(step: &LessonStep) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let pred = step.predict.iter().flat_map(|p| p.action.iter());
    for s in step.demo.iter().chain(pred).chain(step.solution.iter()) {
        let t = match &s.action {
            Action::Command(Command::Produce { topic, .. })
            | Action::Command(Command::CreatePartitions { topic, .. })
            | Action::Command(Command::AlterTopicConfig { topic, .. })
            | Action::Command(Command::PerfTest { topic, .. })
            | Action::Command(Command::Seek { topic, .. }) => vec![topic.clone()],
            Action::Command(Command::CreateTopic { name, .. }) => vec![name.clone()],
            Action::Command(Command::AddConsumer { topics, .. }) => topics.clone(),
            _ => Vec::new(),
        };
        for t in t {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

fn step_key(lesson: &Lesson, idx: usize) -> String {
    format!("{}#{}", lesson.id, idx)
}

/// A short text of scenario steps (`crash_broker 3 · advance 10000 ms`).
fn steps_text(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| match &s.action {
            Action::AdvanceMs(ms) => format!("advance {ms} ms"),
            Action::Command(c) => crate::sim::input_label(c),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[derive(Properties, PartialEq)]
struct PredictProps {
    lang: Lang,
    step: String,
    question: Text,
    choices: Vec<(String, Text)>,
    picked: Option<String>,
    on_pick: Callback<String>,
    predicted: Option<String>,
    result: Option<kplay_engine::lesson::run::PredictionResult>,
    send: Send,
    /// What the decisive action does, as text.
    action: String,
}

/// Predict-then-observe: pick, run the decisive action, see the engine's answer and why.
#[function_component(Predict)]
fn predict(p: &PredictProps) -> Html {
    let l = p.lang;
    let answered = p.result.is_some();
    let on_run = {
        let send = p.send.clone();
        let picked = p.picked.clone();
        Callback::from(move |_| {
            if let Some(c) = &picked {
                send.op.emit(Op::LessonPredict { choice: c.clone() });
            }
        })
    };
    let verdict = p.result.as_ref().map(|r| {
        let right = p.predicted.as_ref().is_some_and(|c| r.correct.contains(c));
        (right, r)
    });
    html! {
        <section class={classes!("panel", "predict", answered.then_some("answered"))} aria-labelledby="predict-h" data-testid="predict">
            <div class="panel-head">
                <h2 id="predict-h">{ l.t("Predict, then observe", "先预测，再观察") }</h2>
                <span class="panel-note">{ if answered { l.t("answered", "已揭晓") } else { l.t("pick an answer before the action runs", "动作运行之前先选一个答案") } }</span>
            </div>
            <fieldset disabled={answered}>
                <legend class="predict-q">{ tx(l, &p.question) }</legend>
                { for p.choices.iter().map(|(id, text)| {
                    let right = p.result.as_ref().is_some_and(|r| r.correct.contains(id));
                    let mine = p.predicted.as_deref() == Some(id.as_str()) || (!answered && p.picked.as_deref() == Some(id.as_str()));
                    let pick = { let id = id.clone(); p.on_pick.reform(move |_| id.clone()) };
                    html! {
                        <label class={classes!("choice", mine.then_some("mine"), (answered && right).then_some("right"), (answered && mine && !right).then_some("wrong"))}
                            data-testid={format!("predict-choice-{id}")}>
                            <input type="radio" name={format!("predict-{}", p.step)} value={id.clone()} checked={mine} onchange={pick} />
                            <span>{ tx(l, text) }</span>
                            if answered && right { <span class="pill good">{ l.t("engine's answer", "引擎的答案") }</span> }
                            if answered && mine { <span class="pill neutral">{ l.t("your pick", "你的选择") }</span> }
                        </label>
                    }
                }) }
            </fieldset>
            if !answered {
                <p class="small muted">{ l.t("The action: ", "动作：") }<code>{ p.action.clone() }</code></p>
                <button class="btn primary" onclick={on_run} disabled={p.picked.is_none()} data-testid="predict-run">
                    { l.t("Lock in my answer and run it", "锁定答案并运行") }
                </button>
            }
            if let Some((right, r)) = verdict {
                <div class={classes!("predict-result", if p.predicted.is_none() { "shown" } else if right { "right" } else { "wrong" })}
                    role="status" data-testid="predict-result" data-correct={right.to_string()}>
                    <p class="verdict">
                        { match (p.predicted.is_some(), right) {
                            (false, _) => l.t("The engine ran the action:", "引擎运行了这个动作："),
                            (true, true) => l.t("✓ You were right.", "✓ 你答对了。"),
                            (true, false) => l.t("✕ Not this time — here is what the engine did.", "✕ 这次没猜对——看看引擎做了什么。"),
                        } }
                    </p>
                    if let Some(o) = &r.observed {
                        <p class="observed"><b>{ l.t("Observed: ", "观察到：") }</b>{ tx(l, o) }</p>
                    }
                    <p class="why"><b>{ l.t("Why: ", "原因：") }</b>{ tx(l, &r.why) }</p>
                </div>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ControlsProps {
    lang: Lang,
    step: LessonStep,
    snapshot: Rc<Snapshot>,
    send: Send,
    /// The prediction has to be answered first.
    locked: bool,
}

fn input_value(id: &str) -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| {
            if let Some(i) = e.dyn_ref::<HtmlInputElement>() {
                Some(i.value())
            } else {
                e.dyn_ref::<HtmlSelectElement>().map(|s| s.value())
            }
        })
        .unwrap_or_default()
}

/// The controls the step allows, and only those.
#[function_component(LessonControls)]
fn lesson_controls(p: &ControlsProps) -> Html {
    let l = p.lang;
    let s = &p.snapshot;
    let step = &p.step;
    let sid = &step.id;
    let has = |c: &str| step.controls.iter().any(|x| x == c);
    let producers: Vec<String> = s.producers.iter().map(|x| x.name.clone()).collect();
    // The learner's topics (not __consumer_offsets, __transaction_state).
    let topics: Vec<String> = cc::user_topics(&s.topics);
    let locked = p.locked;
    let mut rows: Vec<Html> = Vec::new();
    // The learner's tombstone choice, for this step only (a new step starts from its reference).
    let tomb_pick = use_state(|| None::<(String, bool)>);
    // The learner's topic choice in the add-consumer form, for this step only. (Yew sets `checked`
    // on every render, so a checkbox has to be controlled; snapshots re-render all the time.)
    let ac_topics = use_state(|| None::<(String, Vec<String>)>);
    // A form the page refused to send: (control, what is wrong).
    let form_error = use_state(|| None::<(String, String)>);
    let error_for = |control: &str| -> Html {
        match &*form_error {
            Some((c, msg)) if c == control => html! {
                <p class="lc-error bad-text small" role="alert" data-testid={format!("lc-{control}-error")}>{ msg.clone() }</p>
            },
            _ => html! {},
        }
    };

    if has("produce") {
        let (dp, dt, dk, dv, dpart) = reference(step, |c| match c {
            Command::Produce {
                producer,
                topic,
                key,
                value,
                partition,
            } => Some((
                producer.clone(),
                topic.clone(),
                key.clone().unwrap_or_default(),
                value.clone().unwrap_or_default(),
                *partition,
            )),
            _ => None,
        })
        .unwrap_or_else(|| {
            (
                producers.first().cloned().unwrap_or_default(),
                topics.first().cloned().unwrap_or_default(),
                String::new(),
                "hello".into(),
                None,
            )
        });
        let ids = [
            format!("lc-{sid}-producer"),
            format!("lc-{sid}-topic"),
            format!("lc-{sid}-key"),
            format!("lc-{sid}-value"),
            format!("lc-{sid}-partition"),
        ];
        let offers_tombstone = cc::offers_tombstone(step, &s.topics);
        let tombstone = offers_tombstone
            && match &*tomb_pick {
                Some((id, on)) if id == sid => *on,
                _ => cc::tombstone_default(step),
            };
        let on_tombstone = {
            let tomb_pick = tomb_pick.clone();
            let sid = sid.clone();
            Callback::from(move |e: Event| {
                if let Some(i) = e.target_dyn_into::<HtmlInputElement>() {
                    tomb_pick.set(Some((sid.clone(), i.checked())));
                }
            })
        };
        let on_send = {
            let send = p.send.clone();
            let ids = ids.clone();
            Callback::from(move |_| {
                if locked {
                    return;
                }
                let key = input_value(&ids[2]);
                let partition = input_value(&ids[4]).parse::<u32>().ok();
                send.command(Command::Produce {
                    producer: input_value(&ids[0]),
                    topic: input_value(&ids[1]),
                    partition,
                    key: (!key.trim().is_empty()).then(|| key.trim().to_string()),
                    // A tombstone: a null value, which compaction treats as "delete this key".
                    value: (!tombstone).then(|| input_value(&ids[3])),
                });
            })
        };
        let partitions = s
            .topics
            .iter()
            .map(|t| t.partitions.len())
            .max()
            .unwrap_or(1);
        rows.push(html! {
            <div class="lc-row lc-produce" key="produce">
                <span class="lc-name">{ "producer.send()" }</span>
                <label><span>{ l.t("producer", "producer") }</span>
                    <select id={ids[0].clone()} data-testid="lc-producer">
                        { for producers.iter().map(|x| html! { <option value={x.clone()} selected={*x == dp}>{ x.clone() }</option> }) }
                    </select></label>
                <label><span>{ "topic" }</span>
                    <select id={ids[1].clone()} data-testid="lc-topic">
                        { for topics.iter().map(|x| html! { <option value={x.clone()} selected={*x == dt}>{ x.clone() }</option> }) }
                    </select></label>
                <label><span>{ "key" }</span><Field id={ids[2].clone()} testid="lc-key" initial={dk} size="12" placeholder={l.t("(none)", "（无）").to_string()} /></label>
                <label><span>{ "value" }</span><Field id={ids[3].clone()} testid="lc-value" initial={dv} size="12"
                    disabled={tombstone} placeholder={if tombstone { "null" } else { "" }.to_string()} /></label>
                if offers_tombstone {
                    <label class="lc-check" title={l.t("A record with a null value: compaction keeps it as “this key is deleted” until delete.retention.ms has passed, then removes it", "值为 null 的消息：压缩把它当作“该 key 已删除”保留，直到超过 delete.retention.ms 才清除")}>
                        <input type="checkbox" data-testid="lc-tombstone" checked={tombstone} onchange={on_tombstone} />
                        <span>{ l.t("tombstone (null value)", "墓碑消息（null 值）") }</span>
                    </label>
                }
                <label><span>{ "partition" }</span>
                    <select id={ids[4].clone()} data-testid="lc-partition">
                        <option value="" selected={dpart.is_none()}>{ l.t("partitioner", "分区器决定") }</option>
                        { for (0..partitions as u32).map(|i| html! { <option value={i.to_string()} selected={dpart == Some(i)}>{ i }</option> }) }
                    </select></label>
                <button class="btn primary" onclick={on_send} aria-disabled={locked.to_string()} data-testid="lc-produce">{ l.t("Send", "发送") }</button>
            </div>
        });
    }

    for (key, is_topic) in cc::config_row_keys(step) {
        let key = &key;
        let scope = if is_topic {
            ConfigScope::Topic
        } else {
            ConfigScope::Producer
        };
        let owners = if is_topic { &topics } else { &producers };
        let default_owner = reference(step, |c| match c {
            Command::AlterProducerConfig {
                producer, key: k, ..
            } if !is_topic && k == key => Some(producer.clone()),
            Command::AlterTopicConfig { topic, key: k, .. } if is_topic && k == key => {
                Some(topic.clone())
            }
            Command::Produce {
                producer, topic, ..
            } => Some(if is_topic {
                topic.clone()
            } else {
                producer.clone()
            }),
            _ => None,
        })
        .or_else(|| owners.first().cloned())
        .unwrap_or_default();
        let current = if is_topic {
            s.topics
                .iter()
                .find(|t| t.name == default_owner)
                .and_then(|t| t.configs.get(key).cloned())
        } else {
            s.producers
                .iter()
                .find(|x| x.name == default_owner)
                .and_then(|x| {
                    if key == "acks" {
                        Some(x.acks.to_string())
                    } else {
                        x.configs.get(key).cloned()
                    }
                })
        };
        let slug: String = key
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let owner_id = format!("lc-{sid}-{slug}-owner");
        let value_id = format!("lc-{sid}-{slug}-value");
        let choices: Option<&[&str]> = match key.as_str() {
            "acks" => Some(&["0", "1", "all"]),
            "compression.type" => Some(&["none", "gzip", "snappy", "lz4", "zstd"]),
            "enable.idempotence" | "partitioner.ignore.keys" => Some(&["true", "false"]),
            _ => None,
        };
        let on_apply = {
            let send = p.send.clone();
            let (owner_id, value_id, key) = (owner_id.clone(), value_id.clone(), key.clone());
            Callback::from(move |_| {
                if locked {
                    return;
                }
                let owner = input_value(&owner_id);
                let value = input_value(&value_id);
                send.command(if is_topic {
                    Command::AlterTopicConfig {
                        topic: owner,
                        key: key.clone(),
                        value,
                    }
                } else {
                    Command::AlterProducerConfig {
                        producer: owner,
                        key: key.clone(),
                        value,
                    }
                });
            })
        };
        let doc = l.config_doc(scope, key);
        let cur = current.clone().unwrap_or_default();
        rows.push(html! {
            <div class="lc-row" key={key.clone()}>
                <span class="lc-name mono" title={doc}>{ key.clone() }</span>
                <label><span>{ if is_topic { "topic" } else { "producer" } }</span>
                    <select id={owner_id} data-testid={format!("lc-{slug}-owner")}>
                        { for owners.iter().map(|x| html! { <option value={x.clone()} selected={*x == default_owner}>{ x.clone() }</option> }) }
                    </select></label>
                <label><span>{ l.t("value", "值") }</span>
                    if let Some(ch) = choices {
                        <select id={value_id} data-testid={format!("lc-{slug}-value")}>
                            { for ch.iter().map(|v| html! { <option value={*v} selected={cur == *v}>{ *v }</option> }) }
                        </select>
                    } else {
                        <Field id={value_id} testid={format!("lc-{slug}-value")} initial={cur} size="14" />
                    }
                </label>
                <button class="btn" onclick={on_apply} aria-disabled={locked.to_string()} data-testid={format!("lc-{slug}-apply")}
                    aria-label={format!("{} {key}", l.t("Apply", "应用"))}>{ l.t("Apply", "应用") }</button>
                <span class="lc-doc muted small">{ doc }</span>
            </div>
        });
    }

    if has("create_partitions") {
        let t_id = format!("lc-{sid}-cp-topic");
        let n_id = format!("lc-{sid}-cp-count");
        let dt = reference(step, |c| match c {
            Command::CreatePartitions { topic, .. } => Some(topic.clone()),
            _ => None,
        })
        .or_else(|| topics.first().cloned())
        .unwrap_or_default();
        let cur = s
            .topics
            .iter()
            .find(|t| t.name == dt)
            .map(|t| t.partitions.len())
            .unwrap_or(1);
        let on = {
            let send = p.send.clone();
            let (t_id, n_id) = (t_id.clone(), n_id.clone());
            Callback::from(move |_| {
                if locked {
                    return;
                }
                if let Ok(count) = input_value(&n_id).parse::<u32>() {
                    send.command(Command::CreatePartitions {
                        topic: input_value(&t_id),
                        count,
                    });
                }
            })
        };
        rows.push(html! {
            <div class="lc-row" key="create_partitions">
                <span class="lc-name">{ "kafka-topics.sh --alter --partitions" }</span>
                <label><span>{ "topic" }</span><select id={t_id} data-testid="lc-cp-topic">
                    { for topics.iter().map(|x| html! { <option value={x.clone()} selected={*x == dt}>{ x.clone() }</option> }) }
                </select></label>
                <label><span>{ l.t("partitions", "分区数") }</span><Field id={n_id} kind="number" min="1" max="64" initial={(cur + 1).to_string()} testid="lc-cp-count" /></label>
                <button class="btn" onclick={on} aria-disabled={locked.to_string()} data-testid="lc-cp-apply">{ l.t("Alter", "修改") }</button>
            </div>
        });
    }

    if has("create_topic") {
        let ids = [
            format!("lc-{sid}-ct-name"),
            format!("lc-{sid}-ct-p"),
            format!("lc-{sid}-ct-rf"),
        ];
        let d = reference(step, |c| match c {
            Command::CreateTopic {
                name,
                partitions,
                replication_factor,
                ..
            } => Some((name.clone(), *partitions, *replication_factor)),
            _ => None,
        })
        .unwrap_or(("my-topic".into(), 3, 3));
        let on = {
            let send = p.send.clone();
            let ids = ids.clone();
            Callback::from(move |_| {
                if locked {
                    return;
                }
                let (Ok(partitions), Ok(replication_factor)) =
                    (input_value(&ids[1]).parse(), input_value(&ids[2]).parse())
                else {
                    return;
                };
                send.command(Command::CreateTopic {
                    name: input_value(&ids[0]),
                    partitions,
                    replication_factor,
                    configs: Default::default(),
                });
            })
        };
        rows.push(html! {
            <div class="lc-row" key="create_topic">
                <span class="lc-name">{ "kafka-topics.sh --create" }</span>
                <label><span>{ "topic" }</span><Field id={ids[0].clone()} initial={d.0} size="12" testid="lc-ct-name" /></label>
                <label><span>{ "partitions" }</span><Field id={ids[1].clone()} kind="number" min="1" initial={d.1.to_string()} testid="lc-ct-partitions" /></label>
                <label><span>{ "RF" }</span><Field id={ids[2].clone()} kind="number" min="1" initial={d.2.to_string()} testid="lc-ct-rf" /></label>
                <button class="btn" onclick={on} aria-disabled={locked.to_string()} data-testid="lc-ct-apply">{ l.t("Create", "创建") }</button>
            </div>
        });
    }

    // A form field for config `key` of `scope` (a choice list, a number or text), starting at `cur`
    // ("" = not set: Kafka's default).
    let config_input = |scope: ConfigScope,
                        key: &str,
                        id: String,
                        tid: String,
                        cur: String|
     -> Html {
        let doc = l.config_doc(scope, key);
        let unset = format!(
            "{} ({})",
            l.t("default", "默认"),
            cc::default_label_in(scope, key)
        );
        match cc::config_field(scope, key) {
            cc::Field::Choice(ch) => html! {
                <select {id} data-testid={tid} title={doc}>
                    <option value="" selected={cur.is_empty()}>{ unset }</option>
                    { for cc::choices_with(key, &ch, &cur).into_iter().map(|(v, label)| html! {
                        <option value={v.clone()} selected={v == cur}>{ label }</option>
                    }) }
                </select>
            },
            cc::Field::Number(min) => html! {
                <Field {id} testid={tid} kind="number" min={min.to_string()} initial={cur}
                    placeholder={cc::default_label_in(scope, key)} title={doc.to_string()} class="lc-wide-num" />
            },
            cc::Field::Text => html! {
                <Field {id} testid={tid} initial={cur} size="12" title={doc.to_string()}
                    placeholder={match cc::default_label_in(scope, key).as_str() { "—" => l.t("(not set)", "（未设置）").to_string(), d => d.to_string() }} />
            },
        }
    };
    let slug = |k: &str| -> String {
        k.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect()
    };
    // The reference's configs the form does not ask for: sent as they are, shown read-only.
    let fixed_chips = |fixed: &std::collections::BTreeMap<String, String>| -> Html {
        if fixed.is_empty() {
            return html! {};
        }
        html! {
            <p class="lc-fixed small" aria-label={l.t("Also set, as in the reference", "同时设置（与参考答案相同）")}>
                <span class="muted">{ l.t("also set: ", "同时设置：") }</span>
                { for fixed.iter().map(|(k, v)| html! {
                    <span class="cfg-badge set"><span class="cfg-key">{ k.clone() }</span><span class="cfg-val">{ v.clone() }</span></span>
                }) }
            </p>
        }
    };

    if has("add_producer") {
        let id = format!("lc-{sid}-ap-name");
        let (dname, dconfigs) = cc::add_producer_defaults(step, &s.producers);
        let keys = cc::add_producer_keys(step);
        let fixed: std::collections::BTreeMap<String, String> = dconfigs
            .iter()
            .filter(|(k, _)| !keys.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let cfg_ids: Vec<(String, String)> = keys
            .iter()
            .map(|k| (format!("lc-{sid}-ap-{}", slug(k)), k.clone()))
            .collect();
        let on = {
            let send = p.send.clone();
            let id = id.clone();
            let (cfg_ids, fixed) = (cfg_ids.clone(), fixed.clone());
            Callback::from(move |_| {
                let name = cc::clean_name(input_value(&id).trim());
                if locked || name.is_empty() {
                    return;
                }
                let mut configs = fixed.clone();
                for (fid, k) in &cfg_ids {
                    let v = input_value(fid);
                    if !v.trim().is_empty() {
                        configs.insert(k.clone(), v.trim().to_string());
                    }
                }
                send.command(Command::AddProducer { name, configs });
            })
        };
        let fields = cfg_ids.iter().map(|(fid, k)| {
            let cur = dconfigs.get(k).cloned().unwrap_or_default();
            html! {
                <label class="lc-cfg"><span class="mono">{ k.clone() }</span>
                    { config_input(ConfigScope::Producer, k, fid.clone(), format!("lc-ap-{}", slug(k)), cur) }</label>
            }
        });
        rows.push(html! {
            <div class="lc-row lc-block" key="add_producer" role="group" aria-label={l.t("Start a producer", "启动一个 producer")}>
                <span class="lc-name">{ l.t("Start a producer", "启动一个 producer") }<code class="lc-api">{ "new KafkaProducer<>(props)" }</code></span>
                <label><span>{ l.t("name", "名称") }</span><Field {id} initial={dname} size="12" testid="lc-ap-name" /></label>
                { for fields }
                <button class="btn" onclick={on} aria-disabled={locked.to_string()} data-testid="lc-ap-apply">{ l.t("Start", "启动") }</button>
                { fixed_chips(&fixed) }
            </div>
        });
    }

    if has("add_consumer") {
        let d = cc::add_consumer_defaults(step, &s.consumers, &s.topics);
        let keys = cc::consumer_form_keys(step);
        let user_topics = cc::user_topics(&s.topics);
        let name_id = format!("lc-{sid}-ac-name");
        let group_id = format!("lc-{sid}-ac-group");
        let topic_ids: Vec<(String, String)> = user_topics
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("lc-{sid}-ac-topic-{i}"), t.clone()))
            .collect();
        let cfg_ids: Vec<(String, String)> = keys
            .iter()
            .map(|k| (format!("lc-{sid}-ac-{}", slug(k)), k.clone()))
            .collect();
        let chosen: Vec<String> = match &*ac_topics {
            Some((id, t)) if id == sid => t.clone(),
            _ if d.topics.is_empty() && user_topics.len() == 1 => user_topics.clone(),
            _ => d.topics.clone(),
        };
        let on_topic = |topic: String| {
            let (ac_topics, chosen, sid) = (ac_topics.clone(), chosen.clone(), sid.clone());
            Callback::from(move |e: Event| {
                let on = e
                    .target_dyn_into::<HtmlInputElement>()
                    .is_some_and(|i| i.checked());
                let mut next: Vec<String> =
                    chosen.iter().filter(|t| **t != topic).cloned().collect();
                if on {
                    next.push(topic.clone());
                }
                ac_topics.set(Some((sid.clone(), next)));
            })
        };
        let on_add = {
            let send = p.send.clone();
            let form_error = form_error.clone();
            let (name_id, group_id) = (name_id.clone(), group_id.clone());
            let cfg_ids = cfg_ids.clone();
            let fixed = d.fixed.clone();
            // In the order the topics are listed.
            let topics: Vec<String> = user_topics
                .iter()
                .filter(|t| chosen.contains(t))
                .cloned()
                .collect();
            Callback::from(move |_| {
                if locked {
                    return;
                }
                let topics = topics.clone();
                let configs: Vec<(String, String)> = cfg_ids
                    .iter()
                    .map(|(id, k)| (k.clone(), input_value(id)))
                    .collect();
                match cc::build_add_consumer(
                    &input_value(&name_id),
                    &input_value(&group_id),
                    topics,
                    &fixed,
                    &configs,
                ) {
                    Ok(c) => {
                        form_error.set(None);
                        send.command(c);
                    }
                    Err(field) => form_error.set(Some((
                        "add-consumer".into(),
                        match field {
                            "topics" => l
                                .t("Subscribe to at least one topic.", "至少订阅一个 topic。")
                                .to_string(),
                            f => format!("{}{f}", l.t("Fill in ", "请填写 ")),
                        },
                    ))),
                }
            })
        };
        let fields = cfg_ids.iter().map(|(id, key)| {
            let cur = d.configs.get(key).cloned().unwrap_or_default();
            html! {
                <label class="lc-cfg"><span class="mono">{ key.clone() }</span>
                    { config_input(ConfigScope::Consumer, key, id.clone(), format!("lc-ac-{}", slug(key)), cur) }</label>
            }
        });
        rows.push(html! {
            <div class="lc-row lc-block" key="add_consumer" role="group" aria-labelledby={format!("lc-{sid}-ac-h")}>
                <span class="lc-name" id={format!("lc-{sid}-ac-h")}>{ l.t("Start a consumer", "启动一个消费者") }
                    <code class="lc-api">{ "new KafkaConsumer<>(props).subscribe(topics)" }</code></span>
                <label><span>{ l.t("name", "名称") }</span>
                    <Field id={name_id} testid="lc-ac-name" initial={d.name} size="11" /></label>
                <label><span class="mono">{ "group.id" }</span>
                    <Field id={group_id} testid="lc-ac-group" initial={d.group} size="12"
                        title={l.config_doc(ConfigScope::Consumer, "group.id").to_string()} /></label>
                <div class="lc-topics" role="group" aria-labelledby={format!("lc-{sid}-ac-topics")}>
                    <span class="lc-label" id={format!("lc-{sid}-ac-topics")}>{ l.t("subscribe to", "订阅") }</span>
                    <div class="lc-checks">
                    { for topic_ids.iter().map(|(id, t)| html! {
                        <label class="lc-check">
                            <input type="checkbox" id={id.clone()} data-testid={format!("lc-ac-topic-{t}")}
                                checked={chosen.contains(t)} onchange={on_topic(t.clone())} />
                            <span class="mono">{ t.clone() }</span>
                        </label>
                    }) }
                    </div>
                </div>
                { for fields }
                <button class="btn primary" onclick={on_add} aria-disabled={locked.to_string()} data-testid="lc-add-consumer">
                    { l.t("Add consumer", "添加消费者") }
                </button>
                { fixed_chips(&d.fixed) }
                { error_for("add-consumer") }
            </div>
        });
    }

    // Pick a running consumer, then crash / close it or stop / resume its poll loop.
    let actions = cc::consumer_actions(&step.controls);
    let consumer_options = |d: &Option<String>| -> Html {
        if s.consumers.is_empty() {
            return html! { <option value="" disabled=true selected=true>{ l.t("(no consumer yet)", "（还没有消费者）") }</option> };
        }
        s.consumers
            .iter()
            .map(|c| {
                let state = if !c.alive {
                    l.t("stopped", "已停止").to_string()
                } else if !c.polling {
                    l.t("not polling", "没有 poll").to_string()
                } else {
                    c.group.clone()
                };
                html! { <option value={c.name.clone()} selected={d.as_deref() == Some(c.name.as_str())}>{ format!("{} · {state}", c.name) }</option> }
            })
            .collect()
    };
    let none = s.consumers.is_empty();
    if !actions.is_empty() {
        let id = format!("lc-{sid}-consumer");
        let d = cc::default_consumer(step, &actions, &s.consumers);
        let buttons = actions.iter().map(|a| {
            let (label, title, danger) = match *a {
                "crash_consumer" => (
                    l.t("Crash", "宕机"),
                    l.t("Kill the process: no LeaveGroup, no final commit; the coordinator notices after session.timeout.ms", "杀掉进程：不发 LeaveGroup、不做最后一次提交；coordinator 在 session.timeout.ms 后才发现"),
                    true,
                ),
                "close_consumer" => (
                    l.t("Close", "关闭"),
                    l.t("consumer.close(): commit (with auto-commit) and LeaveGroup — the group rebalances at once", "consumer.close()：提交（开启自动提交时）并发送 LeaveGroup —— 组立即再平衡"),
                    false,
                ),
                "stop_polling" => (
                    l.t("Stop polling", "停止 poll"),
                    l.t("The application stops calling poll() (stuck processing) while heartbeats go on: after max.poll.interval.ms the consumer leaves the group", "应用不再调用 poll()（处理卡住），心跳仍在继续：超过 max.poll.interval.ms 后消费者离开组"),
                    false,
                ),
                _ => (
                    l.t("Resume polling", "恢复 poll"),
                    l.t("The application calls poll() again (and rejoins if it had left)", "应用重新调用 poll()（若已离开组则重新加入）"),
                    false,
                ),
            };
            let on = {
                let send = p.send.clone();
                let (id, a) = (id.clone(), *a);
                Callback::from(move |_| {
                    let name = input_value(&id);
                    if locked || name.is_empty() {
                        return;
                    }
                    if let Some(c) = cc::consumer_command(a, name) {
                        send.command(c);
                    }
                })
            };
            html! {
                <button class={classes!("btn", danger.then_some("danger"))} onclick={on} title={title}
                    aria-disabled={(locked || none).to_string()} data-testid={format!("lc-{}", a.replace('_', "-"))}
                    aria-label={format!("{}: {title}", label)}>{ label }</button>
            }
        });
        rows.push(html! {
            <div class="lc-row lc-block" key="consumer_actions" role="group" aria-label={l.t("A consumer", "一个消费者")}>
                <span class="lc-name">{ l.t("A consumer", "一个消费者") }</span>
                <label><span>{ l.t("consumer", "消费者") }</span>
                    <select id={id.clone()} data-testid="lc-consumer">{ consumer_options(&d) }</select></label>
                { for buttons }
            </div>
        });
    }

    if has("seek") {
        let (c_id, tp_id, o_id) = (
            format!("lc-{sid}-seek-consumer"),
            format!("lc-{sid}-seek-tp"),
            format!("lc-{sid}-seek-offset"),
        );
        let d = cc::default_consumer(step, &["seek"], &s.consumers);
        let dc = d
            .as_ref()
            .and_then(|n| s.consumers.iter().find(|c| &c.name == n));
        let (dtp, doff) = cc::seek_defaults(step, dc, &s.topics);
        let on = {
            let send = p.send.clone();
            let (c_id, tp_id, o_id) = (c_id.clone(), tp_id.clone(), o_id.clone());
            Callback::from(move |_| {
                let consumer = input_value(&c_id);
                let (Some((topic, partition)), Ok(offset)) = (
                    cc::parse_tp(&input_value(&tp_id)),
                    input_value(&o_id).trim().parse::<u64>(),
                ) else {
                    return;
                };
                if !locked && !consumer.is_empty() {
                    send.command(Command::Seek {
                        consumer,
                        topic,
                        partition,
                        offset,
                    });
                }
            })
        };
        rows.push(html! {
            <div class="lc-row lc-block" key="seek" role="group" aria-label={l.t("Replay or skip: consumer.seek", "重放或跳过：consumer.seek")}>
                <span class="lc-name">{ l.t("Replay or skip", "重放或跳过") }<code class="lc-api">{ "consumer.seek(tp, offset)" }</code></span>
                <label><span>{ l.t("consumer", "消费者") }</span>
                    <select id={c_id} data-testid="lc-seek-consumer">{ consumer_options(&d) }</select></label>
                <label><span>{ l.t("partition", "分区") }</span>
                    <select id={tp_id} data-testid="lc-seek-partition">
                        { for cc::partition_choices(&s.topics).into_iter().map(|(v, label)| html! { <option value={v.clone()} selected={v == dtp}>{ label }</option> }) }
                    </select></label>
                <label><span>{ "offset" }</span>
                    <Field id={o_id} testid="lc-seek-offset" kind="number" min="0" initial={doff.to_string()} /></label>
                <button class="btn" onclick={on} aria-disabled={(locked || none).to_string()} data-testid="lc-seek"
                    title={l.t("The next poll() reads from this offset; the committed offset moves only with the next commit", "下一次 poll() 从这个 offset 开始读；已提交 offset 要到下一次提交才会移动")}>
                    { l.t("Seek", "Seek") }
                </button>
            </div>
        });
    }

    if has("seek_to_beginning") || has("seek_to_end") {
        let (c_id, tp_id) = (
            format!("lc-{sid}-seek-edge-consumer"),
            format!("lc-{sid}-seek-edge-tp"),
        );
        let d = cc::default_consumer(step, &["seek_to_beginning", "seek_to_end"], &s.consumers);
        let dtp = cc::seek_edge_default(step);
        let edge = |to_end: bool| {
            let send = p.send.clone();
            let (c_id, tp_id) = (c_id.clone(), tp_id.clone());
            Callback::from(move |_| {
                let consumer = input_value(&c_id);
                if !locked && !consumer.is_empty() {
                    send.command(cc::seek_edge(consumer, &input_value(&tp_id), to_end));
                }
            })
        };
        rows.push(html! {
            <div class="lc-row lc-block" key="seek_edges" role="group" aria-label={l.t("Jump to an end", "跳到两端")}>
                <span class="lc-name">{ l.t("Jump to an end", "跳到两端") }</span>
                <label><span>{ l.t("consumer", "消费者") }</span>
                    <select id={c_id.clone()} data-testid="lc-seek-edge-consumer">{ consumer_options(&d) }</select></label>
                <label><span>{ l.t("partitions", "分区") }</span>
                    <select id={tp_id.clone()} data-testid="lc-seek-edge-partition">
                        <option value="" selected={dtp.is_empty()}>{ l.t("every assigned partition", "所有已分配的分区") }</option>
                        { for cc::partition_choices(&s.topics).into_iter().map(|(v, label)| html! { <option value={v.clone()} selected={v == dtp}>{ label }</option> }) }
                    </select></label>
                if has("seek_to_beginning") {
                    <button class="btn" onclick={edge(false)} aria-disabled={(locked || none).to_string()} data-testid="lc-seek-to-beginning"
                        title={l.t("Read again from the log start offset", "从日志起始 offset 重新读")}>{ "seekToBeginning()" }</button>
                }
                if has("seek_to_end") {
                    <button class="btn" onclick={edge(true)} aria-disabled={(locked || none).to_string()} data-testid="lc-seek-to-end"
                        title={l.t("Skip to the end (the high watermark; the LSO with read_committed)", "跳到末尾（高水位；read_committed 时为 LSO）")}>{ "seekToEnd()" }</button>
                }
            </div>
        });
    }

    let txn_actions: Vec<&str> = cc::TXN_ACTIONS.into_iter().filter(|a| has(a)).collect();
    if !txn_actions.is_empty() {
        let id = format!("lc-{sid}-txn-producer");
        let (list, d) = cc::txn_producers(step, &s.producers);
        let buttons = txn_actions.iter().map(|a| {
            let (label, title, tone) = match *a {
                "init_transactions" => ("initTransactions()", l.t("Find the transaction coordinator and get the producer id and a bumped epoch (fencing older producers with the same transactional.id)", "找到事务协调者，拿到 producer id 和提升后的 epoch（隔离使用同一 transactional.id 的旧 producer）"), None),
                "begin_transaction" => ("beginTransaction()", l.t("Start a transaction: the records sent next belong to it", "开始一个事务：之后发送的消息都属于它"), None),
                "commit_transaction" => ("commitTransaction()", l.t("Flush, then EndTxn(COMMIT): commit markers make the records visible to read_committed consumers", "先 flush，再 EndTxn(COMMIT)：提交标记让 read_committed 消费者看到这些消息"), Some("primary")),
                _ => ("abortTransaction()", l.t("EndTxn(ABORT): abort markers; read_committed consumers skip the records", "EndTxn(ABORT)：写入中止标记；read_committed 消费者跳过这些消息"), Some("danger")),
            };
            let on = {
                let send = p.send.clone();
                let (id, a) = (id.clone(), *a);
                Callback::from(move |_| {
                    let producer = input_value(&id);
                    if locked || producer.is_empty() {
                        return;
                    }
                    if let Some(c) = cc::txn_command(a, producer) {
                        send.command(c);
                    }
                })
            };
            html! {
                <button class={classes!("btn", "mono-btn", tone)} onclick={on} title={title} aria-disabled={locked.to_string()}
                    data-testid={format!("lc-{}", a.replace('_', "-"))} aria-label={format!("{label}: {title}")}>{ label }</button>
            }
        });
        let states = s.producers.iter().filter_map(|x| {
            let t = x.transaction.as_ref()?;
            let tone = match t.state.as_str() {
                "IN_TRANSACTION" | "COMMITTING_TRANSACTION" | "ABORTING_TRANSACTION" | "INITIALIZING" => "warn",
                "READY" => "good",
                s if s.contains("ERROR") || s.contains("FENCED") => "bad",
                _ => "neutral",
            };
            Some(html! {
                <span class="lc-txn-state" data-testid={format!("lc-txn-state-{}", x.name)} data-state={t.state.clone()}>
                    <span class="mono">{ x.name.clone() }</span>
                    <span class={classes!("pill", tone)}>{ t.state.clone() }</span>
                    <span class="muted small">{ format!("{} {} · {} {}", t.committed, l.t("committed", "已提交"), t.aborted, l.t("aborted", "已中止")) }</span>
                    if let Some(e) = &t.last_error { <span class="bad-text small mono">{ e.clone() }</span> }
                </span>
            })
        });
        rows.push(html! {
            <div class="lc-row lc-block" key="transactions" role="group" aria-label={l.t("Transaction", "事务")}>
                <span class="lc-name">{ l.t("Transaction", "事务") }</span>
                <label><span>{ l.t("transactional producer", "事务型 producer") }</span>
                    <select id={id.clone()} data-testid="lc-txn-producer">
                        { for list.iter().map(|x| html! { <option value={x.clone()} selected={*x == d}>{ x.clone() }</option> }) }
                    </select></label>
                { for buttons }
                <div class="lc-doc lc-txn-states" aria-live="polite">{ for states }</div>
            </div>
        });
    }

    if has("perf_test") {
        let d = cc::perf_defaults(step, &s.producers, &s.topics);
        let ids = [
            format!("lc-{sid}-perf-producer"),
            format!("lc-{sid}-perf-topic"),
            format!("lc-{sid}-perf-records"),
            format!("lc-{sid}-perf-size"),
            format!("lc-{sid}-perf-throughput"),
        ];
        let user_topics = cc::user_topics(&s.topics);
        let on = {
            let send = p.send.clone();
            let ids = ids.clone();
            let form_error = form_error.clone();
            Callback::from(move |_| {
                if locked {
                    return;
                }
                match cc::build_perf_test(
                    input_value(&ids[0]),
                    input_value(&ids[1]),
                    &input_value(&ids[2]),
                    &input_value(&ids[3]),
                    &input_value(&ids[4]),
                ) {
                    Ok(c) => {
                        form_error.set(None);
                        send.command(c);
                    }
                    Err(flag) => form_error.set(Some((
                        "perf".into(),
                        format!(
                            "{}{flag}{}",
                            l.t("Check ", "请检查 "),
                            match flag {
                                "--num-records" => format!(" (1–{})", cc::PERF_MAX_RECORDS),
                                "--throughput" => l
                                    .t(
                                        " (records/s, or -1 for no limit)",
                                        "（条/秒，-1 表示不限速）"
                                    )
                                    .to_string(),
                                _ => String::new(),
                            }
                        ),
                    ))),
                }
            })
        };
        let status = s.producers.iter().filter_map(|x| {
            let t = x.perf_test.as_ref()?;
            Some(html! {
                <p class="lc-perf-status small mono" data-testid={format!("lc-perf-status-{}", x.name)} data-finished={t.finished.to_string()}>
                    { format!("{}: {}/{} {} · {} records/sec · {} ms avg latency · {} ms max", x.name, t.completed, t.num_records,
                        if t.finished { l.t("done", "完成") } else { l.t("acked…", "已确认…") }, t.records_per_sec, t.latency_ms_avg, t.latency_ms_max) }
                    if t.errors > 0 { <span class="bad-text">{ format!(" · {} errors", t.errors) }</span> }
                </p>
            })
        });
        rows.push(html! {
            <div class="lc-row lc-block" key="perf_test" role="group" aria-label="kafka-producer-perf-test.sh">
                <span class="lc-name">{ "kafka-producer-perf-test.sh" }</span>
                <label><span>{ "producer" }</span>
                    <select id={ids[0].clone()} data-testid="lc-perf-producer">
                        { for producers.iter().map(|x| html! { <option value={x.clone()} selected={*x == d.producer}>{ x.clone() }</option> }) }
                    </select></label>
                <label><span>{ "--topic" }</span>
                    <select id={ids[1].clone()} data-testid="lc-perf-topic">
                        { for user_topics.iter().map(|x| html! { <option value={x.clone()} selected={*x == d.topic}>{ x.clone() }</option> }) }
                    </select></label>
                <label><span>{ "--num-records" }</span>
                    <Field id={ids[2].clone()} testid="lc-perf-records" kind="number" min="1" max={cc::PERF_MAX_RECORDS.to_string()} initial={d.num_records.to_string()} class="lc-wide-num" /></label>
                <label><span>{ "--record-size" }</span>
                    <Field id={ids[3].clone()} testid="lc-perf-size" kind="number" min="1" initial={d.record_size.to_string()} /></label>
                <label title={l.t("records per second; -1: as fast as send() allows", "每秒条数；-1：send() 能多快就多快")}><span>{ "--throughput" }</span>
                    <Field id={ids[4].clone()} testid="lc-perf-throughput" kind="number" min="-1" initial={d.throughput.to_string()} /></label>
                <button class="btn primary" onclick={on} aria-disabled={locked.to_string()} data-testid="lc-perf-run">{ l.t("Run", "运行") }</button>
                { error_for("perf") }
                <div class="lc-doc" aria-live="polite">{ for status }</div>
            </div>
        });
    }

    if has("crash_controller") || has("restart_controller") {
        rows.push(html! {
            <div class="lc-row" key="controllers">
                <span class="lc-name">{ l.t("Controllers: use the crash / restart buttons on the voter cards.", "Controller：使用仲裁卡片上的宕机 / 重启按钮。") }</span>
            </div>
        });
    }

    if has("partition_network") {
        let mut nodes: Vec<String> = s.brokers.iter().map(|b| b.id.to_string()).collect();
        nodes.extend(producers.iter().cloned());
        let (a_id, b_id) = (format!("lc-{sid}-pn-a"), format!("lc-{sid}-pn-b"));
        let (da, db) = reference(step, |c| match c {
            Command::PartitionNetwork { a, b } => Some((a.clone(), b.clone())),
            _ => None,
        })
        .unwrap_or_else(|| {
            (
                nodes.first().cloned().unwrap_or_default(),
                nodes.get(1).cloned().unwrap_or_default(),
            )
        });
        let on = {
            let send = p.send.clone();
            let (a_id, b_id) = (a_id.clone(), b_id.clone());
            Callback::from(move |_| {
                let (a, b) = (input_value(&a_id), input_value(&b_id));
                if !locked && a != b {
                    send.command(Command::PartitionNetwork { a, b });
                }
            })
        };
        let sel = |id: String, d: String, t: &'static str| {
            html! {
                <select id={id} data-testid={t}>{ for nodes.iter().map(|x| html! { <option value={x.clone()} selected={*x == d}>{ x.clone() }</option> }) }</select>
            }
        };
        rows.push(html! {
            <div class="lc-row" key="partition_network">
                <span class="lc-name">{ l.t("Cut the network", "切断网络") }</span>
                <label><span>{ "a" }</span>{ sel(a_id, da, "lc-pn-a") }</label>
                <label><span>{ "b" }</span>{ sel(b_id, db, "lc-pn-b") }</label>
                <button class="btn danger" onclick={on} aria-disabled={locked.to_string()} data-testid="lc-pn-apply">{ l.t("Cut ✂", "切断 ✂") }</button>
            </div>
        });
    }
    if has("heal_network") {
        let send = p.send.clone();
        let cuts = s.network.cuts.len();
        rows.push(html! {
            <div class="lc-row" key="heal">
                <span class="lc-name">{ l.t("Network", "网络") }</span>
                <button class="btn" data-testid="lc-heal" aria-disabled={(locked || cuts == 0).to_string()}
                    onclick={Callback::from(move |_| if !locked && cuts > 0 { send.command(Command::HealNetwork) })}>
                    { format!("{} ({cuts})", l.t("Heal network", "恢复网络")) }
                </button>
            </div>
        });
    }
    if has("advance") {
        let adv = |ms: u64, label: &'static str| {
            let send = p.send.clone();
            html! {
                <button class="btn" data-testid={format!("lc-advance-{ms}")} onclick={Callback::from(move |_| send.op.emit(Op::Advance { ms }))}
                    aria-label={format!("{} {label}", l.t("Let simulated time pass:", "让模拟时间前进："))}>{ label }</button>
            }
        };
        rows.push(html! {
            <div class="lc-row" key="advance">
                <span class="lc-name">{ l.t("Wait", "等待") }</span>
                { adv(1_000, "+1 s") }{ adv(10_000, "+10 s") }{ adv(30_000, "+30 s") }
            </div>
        });
    }
    let faults: Vec<&str> = [
        "crash_broker",
        "restart_broker",
        "isolate_node",
        "slow_node",
    ]
    .into_iter()
    .filter(|c| has(c))
    .collect();
    let others: Vec<&String> = step
        .controls
        .iter()
        .filter(|c| ["drop_envelope", "hold_envelope", "release_envelope"].contains(&c.as_str()))
        .collect();
    html! {
        <section class={classes!("panel", "lesson-controls", locked.then_some("locked"))} aria-labelledby="lc-h" data-testid="lesson-controls">
            <div class="panel-head">
                <h2 id="lc-h">{ l.t("Your controls", "你的操作") }</h2>
                <span class="panel-note mono">{ step.controls.join(" · ") }</span>
            </div>
            if locked {
                <p class="warn-text small" role="note">{ l.t("Answer the prediction above first: its action runs before yours.", "先回答上面的预测：它的动作会先于你的操作运行。") }</p>
            }
            if !faults.is_empty() {
                <p class="small muted">{ l.t("Broker faults: use the buttons on the broker cards (", "broker 故障：使用 broker 卡片上的按钮（") }<span class="mono">{ faults.join(", ") }</span>{ l.t(").", "）。") }</p>
            }
            if !others.is_empty() {
                <p class="small muted">{ l.t("Envelopes: use the sandbox's wire view, or “Show me”.", "请求信封：使用沙盒的网络视图，或“演示给我看”。") }</p>
            }
            { for rows }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct QuestionsProps {
    lang: Lang,
    lesson: String,
    progress: Progress,
    set_progress: Callback<Progress>,
}

/// The lesson's questions (the section's bank): answers count towards mastery.
#[function_component(Questions)]
fn questions(p: &QuestionsProps) -> Html {
    let l = p.lang;
    let picked = use_state(std::collections::BTreeMap::<String, String>::new);
    let Some(lesson) = lessons::find(&p.lesson) else {
        return html! {};
    };
    if lesson.questions.is_empty() {
        return html! {};
    }
    html! {
        <section class="panel questions" aria-labelledby="q-h" data-testid="questions">
            <h2 id="q-h">{ l.t("Check yourself", "自测") }</h2>
            { for lesson.questions.iter().map(|q| {
                let answered = picked.get(&q.id).cloned();
                let past = p.progress.answers.get(&q.id).copied();
                html! {
                    <fieldset class="question" data-testid={format!("question-{}", q.id)}>
                        <legend>{ tx(l, &q.text) }
                            if answered.is_none() {
                                if let Some(ok) = past {
                                    <span class={classes!("pill", if ok { "good" } else { "warn" })}>{ if ok { l.t("answered right before", "之前答对") } else { l.t("answered wrong before", "之前答错") } }</span>
                                }
                            }
                        </legend>
                        { for q.choices.iter().map(|c| {
                            let on = {
                                let picked = picked.clone();
                                let prog = p.progress.clone();
                                let set = p.set_progress.clone();
                                let (qid, cid) = (q.id.clone(), c.id.clone());
                                let question = q.clone();
                                Callback::from(move |_| {
                                    let mut m = (*picked).clone();
                                    m.insert(qid.clone(), cid.clone());
                                    picked.set(m);
                                    let mut next = prog.clone();
                                    next.answer(&question, &cid);
                                    set.emit(next);
                                })
                            };
                            let mine = answered.as_deref() == Some(c.id.as_str());
                            let right = c.id == q.answer;
                            html! {
                                <button class={classes!("btn", "choice-btn", (answered.is_some() && right).then_some("right"), (mine && !right).then_some("wrong"))}
                                    onclick={on} data-testid={format!("question-{}-{}", q.id, c.id)} aria-pressed={mine.to_string()}>
                                    { tx(l, &c.text) }
                                </button>
                            }
                        }) }
                        if let Some(a) = answered {
                            <p class={if a == q.answer { "good-text" } else { "bad-text" }} role="status">
                                { if a == q.answer { l.t("✓ Right. ", "✓ 正确。") } else { l.t("✕ Not quite. ", "✕ 不太对。") } }
                                { tx(l, &q.why) }
                            </p>
                        }
                    </fieldset>
                }
            }) }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct RealProps {
    lang: Lang,
    lesson: String,
}

/// "Try it on real Kafka": CLI, Java, kafka-python and compose, each copyable.
#[function_component(RealKafka)]
fn real_kafka(p: &RealProps) -> Html {
    let l = p.lang;
    let tab = use_state(|| 0usize);
    let copied = use_state(|| false);
    let Some(lesson) = lessons::find(&p.lesson) else {
        return html! {};
    };
    let rk = &lesson.real_kafka;
    let tabs: Vec<(&str, &str, &String)> = [
        ("cli", "CLI", &rk.cli),
        ("java", "Java", &rk.java),
        ("python", "kafka-python", &rk.python),
        ("compose", "docker-compose", &rk.compose),
    ]
    .into_iter()
    .filter(|(_, _, t)| !t.trim().is_empty())
    .collect();
    let cur = (*tab).min(tabs.len().saturating_sub(1));
    let code = tabs
        .get(cur)
        .map(|t| t.2.trim().to_string())
        .unwrap_or_default();
    let on_copy = {
        let code = code.clone();
        let copied = copied.clone();
        Callback::from(move |_| {
            if let Some(w) = web_sys::window() {
                let _ = w.navigator().clipboard().write_text(&code);
            }
            copied.set(true);
        })
    };
    html! {
        <section class="panel real-kafka" aria-labelledby="rk-h" data-testid="real-kafka">
            <h2 id="rk-h">{ l.t("Try it on real Kafka", "在真实 Kafka 上试试") }</h2>
            <p class="small">{ tx(l, &rk.text) }</p>
            <div class="rk-tabs" role="tablist" aria-label={l.t("Material", "材料")}>
                { for tabs.iter().enumerate().map(|(i, (id, label, _))| {
                    let t = tab.clone();
                    let c = copied.clone();
                    html! {
                        <button role="tab" class={classes!("seg", (i == cur).then_some("on"))} aria-selected={(i == cur).to_string()}
                            data-testid={format!("rk-tab-{id}")} onclick={Callback::from(move |_| { t.set(i); c.set(false); })}>{ *label }</button>
                    }
                }) }
            </div>
            <div class="code-block" role="tabpanel">
                <button class="btn small copy" onclick={on_copy} data-testid="rk-copy" aria-label={l.t("Copy this code", "复制这段代码")}>
                    { if *copied { l.t("Copied ✓", "已复制 ✓") } else { l.t("Copy", "复制") } }
                </button>
                <pre data-testid="rk-code"><code>{ code }</code></pre>
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct TabsProps {
    pub lang: Lang,
    pub mode: super::Mode,
    pub on_mode: Callback<super::Mode>,
}

/// "Sandbox | Lessons": the two views of the page.
#[function_component(ViewTabs)]
pub fn view_tabs(p: &TabsProps) -> Html {
    use super::Mode;
    let l = p.lang;
    let tab = |m: Mode, id: &'static str, label: &'static str| {
        let on = p.on_mode.reform(move |_| m);
        let cur = p.mode == m;
        html! {
            <button class={classes!("view-tab", cur.then_some("on"))} onclick={on} data-testid={id}
                aria-current={cur.then_some("page")}>{ label }</button>
        }
    };
    html! {
        <nav class="view-tabs" aria-label={l.t("Views", "视图")}>
            { tab(Mode::Sandbox, "sandbox-tab", l.t("Sandbox", "沙盒")) }
            { tab(Mode::Lessons, "lessons-tab", l.t("Lessons", "课程")) }
        </nav>
    }
}

#[derive(Properties, PartialEq)]
pub struct LessonsTopBarProps {
    pub lang: Lang,
    pub on_lang: Callback<()>,
    pub on_mode: Callback<super::Mode>,
}

/// The top bar of the lessons view: brand, the view tabs, the language switch.
#[function_component(LessonsTopBar)]
pub fn lessons_top_bar(p: &LessonsTopBarProps) -> Html {
    let l = p.lang;
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
                    <p class="tagline">{ l.t("Lessons that follow the review notes, on a cluster that follows Kafka's rules", "跟着复习笔记的课程，在遵循 Kafka 规则的集群上动手") }</p>
                </div>
            </div>
            <div class="topbar-actions">
                <ViewTabs lang={l} mode={super::Mode::Lessons} on_mode={p.on_mode.clone()} />
                <button class="btn ghost lang" onclick={p.on_lang.reform(|_| ())} data-testid="lang-toggle"
                    aria-label={l.t("Switch language to Chinese", "切换到英文")} lang={l.other().tag()}>
                    { l.t("中文", "English") }
                </button>
            </div>
        </header>
    }
}

#[derive(Properties, PartialEq)]
struct ChallengeProps {
    lang: Lang,
    lesson: String,
    status: LessonStatus,
    snapshot: Rc<Snapshot>,
    send: Send,
    on_list: Callback<()>,
    solved_before: bool,
}

/// A "make it happen" challenge: the goals, the allowed controls, the cluster. No "Show me".
#[function_component(ChallengePlayer)]
fn challenge_player(p: &ChallengeProps) -> Html {
    let l = p.lang;
    let Some(lesson) = lessons::find(&p.lesson) else {
        return html! {};
    };
    let Some(ch) = p
        .status
        .challenge
        .as_ref()
        .and_then(|id| lesson.challenges.iter().find(|c| &c.id == id))
    else {
        return html! {};
    };
    // The controls panel works on steps: the challenge as one (no solution, so nothing is given away).
    let step = LessonStep {
        id: ch.id.clone(),
        heading: ch.text.clone(),
        text: ch.text.clone(),
        controls: ch.controls.clone(),
        demo: Vec::new(),
        refusals: Vec::new(),
        predict: None,
        goals: ch.goals.clone(),
        hints: Vec::new(),
        solution: Vec::new(),
    };
    let solved = p.status.done.first().copied().unwrap_or(false);
    let back = {
        let send = p.send.clone();
        let id = lesson.id.clone();
        Callback::from(move |_| send.op.emit(Op::StartLesson { lesson: id.clone() }))
    };
    let retry = {
        let send = p.send.clone();
        let (lid, cid) = (lesson.id.clone(), ch.id.clone());
        Callback::from(move |_| {
            send.op.emit(Op::StartChallenge {
                lesson: lid.clone(),
                challenge: cid.clone(),
            })
        })
    };
    html! {
        <main id="main" class="lesson-player" tabindex="-1" data-testid="challenge-player" data-challenge={ch.id.clone()}>
            <nav class="lesson-head" aria-label={l.t("Challenge", "挑战")}>
                <button class="btn small ghost" onclick={p.on_list.reform(|_| ())} data-testid="lesson-list-btn">{ l.t("← All lessons", "← 全部课程") }</button>
                <button class="btn small ghost" onclick={back} data-testid="challenge-back">{ l.t("← Back to the lesson", "← 回到课程") }</button>
                <div class="lesson-title">
                    <span class="lesson-num" aria-hidden="true">{ lesson.section_numeral() }</span>
                    <h2>{ format!("{} · {}", l.t("Make it happen", "动手挑战"), tx(l, &lesson.title)) }</h2>
                </div>
            </nav>
            if solved {
                <div class="banner good" role="status" data-testid="challenge-solved">{ l.t("Challenge solved — it counts towards your mastery.", "挑战完成——计入你的掌握程度。") }</div>
            } else if p.solved_before {
                <div class="banner good" role="status">{ l.t("You solved this challenge before.", "你之前完成过这个挑战。") }</div>
            }
            <div class={classes!("lesson-layout", "lock-controllers")}>
                <div class="lesson-main">
                    <section class="panel step-card" aria-labelledby="step-h">
                        <h2 id="step-h" tabindex="-1">{ tx(l, &ch.text) }</h2>
                        <p class="muted small">{ l.t("A fresh cluster from the lesson's starting scenario. Use the controls below and the broker cards.", "从这一课初始场景新建的集群。使用下面的操作和 broker 卡片。") }</p>
                    </section>
                    <section class="panel goals-panel" aria-labelledby="goals-h">
                        <div class="panel-head"><h2 id="goals-h">{ l.t("Goals", "目标") }</h2></div>
                        <ul class="goal-list" data-testid="goal-list" aria-live="polite">
                            { for p.status.goals.iter().map(|g| html! {
                                <li class={classes!("goal", g.check.met.then_some("met"))} data-testid={format!("goal-{}", g.id)} data-met={g.check.met.to_string()}>
                                    <span class="goal-box" aria-hidden="true">{ if g.check.met { "✓" } else { "" } }</span>
                                    <span class="sr-only">{ if g.check.met { l.t("Done: ", "已达成：") } else { l.t("Not yet: ", "未达成：") } }</span>
                                    <span class="goal-text">{ tx(l, &g.text) }<span class="goal-observed">{ tx(l, &g.check.observed) }</span></span>
                                </li>
                            }) }
                        </ul>
                    </section>
                    <LessonControls lang={l} step={step.clone()} snapshot={p.snapshot.clone()} send={p.send.clone()} locked={false} />
                    <nav class="step-nav">
                        <button class="btn" onclick={retry} data-testid="challenge-retry">{ l.t("Start over", "重新开始") }</button>
                    </nav>
                </div>
                <div class="lesson-side">
                    <super::cluster::ClusterPanel lang={l} snapshot={p.snapshot.clone()} send={p.send.clone()} allowed={Some(Rc::new(ch.controls.clone()))} />
                    { lesson_groups(l, &p.snapshot, &p.send, &step, &Rc::new(ch.controls.clone()), false) }
                    <TxnLogFacts lang={l} snapshot={p.snapshot.clone()} focus={Vec::<String>::new()} />
                    <super::producer::Results lang={l} requests={p.snapshot.requests.clone()} now_ms={p.snapshot.now_ms} />
                </div>
            </div>
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct FactsProps {
    lang: Lang,
    snapshot: Rc<Snapshot>,
    /// The step's topics, listed first.
    focus: Vec<String>,
}

/// Transactions and compaction, once the lesson's cluster uses them: the coordinators'
/// transactions (`kafka-transactions.sh list/describe`) and, per partition of a transactional or
/// compacted topic, the leader's HW, last stable offset, open and aborted transactions, segments
/// and the log cleaner's dirty ratio (`kafka-log-dirs.sh`, the cleaner's `max-dirty-percent`).
/// Nothing is shown before either exists.
#[function_component(TxnLogFacts)]
fn txn_log_facts(p: &FactsProps) -> Html {
    let l = p.lang;
    let s = &p.snapshot;
    let rows = cc::log_fact_rows(&s.topics, &p.focus);
    if rows.is_empty() && s.transactions.is_empty() {
        return html! {};
    }
    let any_txn = !s.transactions.is_empty() || rows.iter().any(|r| r.transactional);
    let any_compact = rows.iter().any(|r| r.compacted);
    let title = match (any_txn, any_compact) {
        (true, true) => l.t("Transactions & log cleaner", "事务与日志清理"),
        (true, false) => l.t("Transactions", "事务"),
        _ => l.t("Log segments & cleaner", "日志段与清理"),
    };
    let dash = || "—".to_string();
    html! {
        <section class="panel txn-facts" aria-labelledby="facts-h" data-testid="txn-log-facts">
            <div class="panel-head"><h2 id="facts-h">{ title }</h2></div>
            if !s.transactions.is_empty() {
                <div class="table-wrap">
                <table class="offsets-table" data-testid="txn-table">
                    <caption class="sr-only">{ l.t("Transactions by transactional.id, as their coordinators hold them", "按 transactional.id 列出的事务（协调者所见）") }</caption>
                    <thead><tr>
                        <th scope="col">{ "TRANSACTIONAL-ID" }</th>
                        <th scope="col">{ "STATE" }</th>
                        <th scope="col" title={l.t("producerId · epoch: a new initTransactions() bumps the epoch and fences the old producer", "producerId · epoch：新的 initTransactions() 会提升 epoch 并隔离旧 producer")}>{ "PRODUCER-ID" }</th>
                        <th scope="col">{ l.t("PARTITIONS", "分区") }</th>
                        <th scope="col" title={l.t("The leader of the id's __transaction_state partition", "该 id 所在 __transaction_state 分区的 leader")}>{ "COORDINATOR" }</th>
                    </tr></thead>
                    <tbody>
                        { for s.transactions.iter().map(|t| {
                            let tone = match t.state.as_str() {
                                "Ongoing" | "PrepareCommit" | "PrepareAbort" => "warn",
                                "CompleteCommit" => "good",
                                "CompleteAbort" => "neutral",
                                "PrepareEpochFence" | "Dead" => "bad",
                                _ => "neutral",
                            };
                            let parts = t.partitions.iter().map(|tp| tp.to_string()).collect::<Vec<_>>().join(", ");
                            html! {
                                <tr key={t.transactional_id.clone()} data-testid={format!("txn-{}", t.transactional_id)} data-state={t.state.clone()}>
                                    <th scope="row" class="mono">{ t.transactional_id.clone() }</th>
                                    <td><span class={classes!("pill", tone)}>{ t.state.clone() }</span></td>
                                    <td class="mono">{ format!("{} · {}", t.producer_id, t.producer_epoch) }</td>
                                    <td class="mono">{ if parts.is_empty() { dash() } else { parts } }</td>
                                    <td class="mono">{ format!("{} (__transaction_state-{})", t.coordinator, t.state_partition) }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                </div>
            }
            if !rows.is_empty() {
                <div class="table-wrap">
                <table class="offsets-table" data-testid="log-facts-table">
                    <caption class="sr-only">{ l.t("Per partition: the leader's offsets, open transactions and log cleaner", "各分区：leader 的 offset、未完成事务与日志清理") }</caption>
                    <thead><tr>
                        <th scope="col">{ "PARTITION" }</th>
                        <th scope="col" title={l.t("High watermark: what read_uncommitted consumers can read", "高水位：read_uncommitted 消费者能读到的位置")}>{ "HW" }</th>
                        if any_txn {
                            <th scope="col" title={l.t("Last stable offset: the first offset of the earliest open transaction, else the HW — read_committed consumers read up to here", "最后稳定 offset：最早未完成事务的第一个 offset，否则等于 HW —— read_committed 消费者只读到这里")}>{ "LSO" }</th>
                            <th scope="col">{ l.t("open txns", "未完成事务") }</th>
                            <th scope="col">{ l.t("aborted", "已中止") }</th>
                        }
                        if any_compact {
                            <th scope="col">{ l.t("segments", "段") }</th>
                            <th scope="col" title={l.t("cleanable / (clean + cleanable) bytes; the cleaner runs above min.cleanable.dirty.ratio", "可清理 /（已清理 + 可清理）字节；超过 min.cleanable.dirty.ratio 时清理线程工作")}>{ "dirty" }</th>
                            <th scope="col" title={l.t("Where the last cleaning ended", "上次清理结束的位置")}>{ l.t("cleaned to", "已清理到") }</th>
                        }
                    </tr></thead>
                    <tbody>
                        { for rows.iter().map(|r| {
                            let held = r.lso.is_some() && r.lso != r.hw;
                            html! {
                                <tr key={r.tp.clone()} data-testid={format!("log-facts-{}", r.tp)}
                                    data-hw={r.hw.map(|v| v.to_string()).unwrap_or_default()} data-lso={r.lso.map(|v| v.to_string()).unwrap_or_default()}>
                                    <th scope="row" class="mono">{ r.tp.clone() }</th>
                                    <td class="mono">{ r.hw.map(|v| v.to_string()).unwrap_or_else(dash) }</td>
                                    if any_txn {
                                        <td class={classes!("mono", held.then_some("warn-text"))}>{ r.lso.map(|v| v.to_string()).unwrap_or_else(dash) }</td>
                                        <td class="mono">{ if r.open.is_empty() { dash() } else { r.open.clone() } }</td>
                                        <td class="mono">{ r.aborted }</td>
                                    }
                                    if any_compact {
                                        <td class="mono">{ if r.compacted { r.segments.to_string() } else { dash() } }</td>
                                        <td class="mono">{ r.dirty_percent.map(|d| format!("{d}%{}", if r.cleanable { " ●" } else { "" })).unwrap_or_else(dash) }</td>
                                        <td class="mono">{ r.checkpoint.map(|v| v.to_string()).unwrap_or_else(dash) }</td>
                                    }
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                </div>
                if any_compact {
                    <p class="small muted">{ l.t("● the cleaner would clean this log now. Hover a record in the replica logs to see its key and value (null = tombstone).", "● 清理线程现在就会清理这个日志。把鼠标移到副本日志中的消息上可查看 key 和 value（null = 墓碑消息）。") }</p>
                }
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct FieldProps {
    id: String,
    testid: String,
    /// The value the field starts with, and takes again whenever this (or the id) changes.
    initial: String,
    /// `text` or `number`.
    #[prop_or(AttrValue::Static("text"))]
    kind: AttrValue,
    #[prop_or_default]
    min: Option<String>,
    #[prop_or_default]
    max: Option<String>,
    #[prop_or_default]
    size: Option<String>,
    #[prop_or_default]
    placeholder: Option<String>,
    #[prop_or_default]
    title: Option<String>,
    #[prop_or_default]
    class: Option<String>,
    #[prop_or_default]
    disabled: bool,
}

/// A text or number field the learner types into. Yew's `value` is written back on every render
/// (and a lesson re-renders on every worker reply while time runs), so a bound value would undo
/// the learner's typing: the field is uncontrolled and only set when its starting value changes.
/// The controls read it by id when a button is pressed.
#[function_component(Field)]
fn field(p: &FieldProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with((p.id.clone(), p.initial.clone()), move |(_, v)| {
            if let Some(i) = node.cast::<HtmlInputElement>() {
                i.set_value(v);
            }
        });
    }
    html! {
        <input ref={node} id={p.id.clone()} data-testid={p.testid.clone()} type={p.kind.clone()}
            min={p.min.clone()} max={p.max.clone()} size={p.size.clone()} placeholder={p.placeholder.clone()}
            title={p.title.clone()} class={p.class.clone()} disabled={p.disabled}
            autocomplete="off" spellcheck="false" />
    }
}
