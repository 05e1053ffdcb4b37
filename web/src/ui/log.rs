//! The event log: the engine's one-line events, newest first, filterable by family.

use crate::i18n::Lang;
use crate::state::{Category, LogLine};
use std::collections::VecDeque;
use std::rc::Rc;
use yew::prelude::*;

/// How many lines are rendered at once.
const SHOWN: usize = 150;

fn category_label(l: Lang, c: Category) -> &'static str {
    match c {
        Category::Produce => l.t("Produce", "生产"),
        Category::Replication => l.t("Replication", "复制"),
        Category::Controller => l.t("Controller & ISR", "Controller 与 ISR"),
        Category::Fault => l.t("Faults", "故障"),
        Category::Config => l.t("Config", "配置"),
    }
}

fn category_class(c: Category) -> &'static str {
    match c {
        Category::Produce => "c-produce",
        Category::Replication => "c-replication",
        Category::Controller => "c-controller",
        Category::Fault => "c-fault",
        Category::Config => "c-config",
    }
}

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    pub lang: Lang,
    pub lines: VecDeque<Rc<LogLine>>,
    pub trace_hash: String,
}

/// The filterable event log.
#[function_component(EventLog)]
pub fn event_log(p: &EventLogProps) -> Html {
    let l = p.lang;
    let filter = use_state(|| None::<Category>);
    let chip = |c: Option<Category>| {
        let filter = filter.clone();
        let pressed = *filter == c;
        let label = c
            .map(|c| category_label(l, c))
            .unwrap_or(l.t("All", "全部"));
        let count = match c {
            None => p.lines.len(),
            Some(c) => p.lines.iter().filter(|x| x.category == c).count(),
        };
        html! {
            <button class={classes!("chip", pressed.then_some("on"), c.map(category_class))}
                aria-pressed={pressed.to_string()}
                onclick={Callback::from(move |_| filter.set(c))}>
                { label }<span class="chip-count">{ count }</span>
            </button>
        }
    };
    let shown = p
        .lines
        .iter()
        .rev()
        .filter(|x| filter.is_none_or(|c| x.category == c))
        .take(SHOWN);
    html! {
        <section class="panel log" aria-labelledby="log-h" data-testid="event-log">
            <div class="panel-head">
                <h2 id="log-h">{ l.t("Event log", "事件日志") }</h2>
                <div class="chips" role="group" aria-label={l.t("Filter events", "筛选事件")}>
                    { chip(None) }
                    { for Category::ALL.iter().map(|c| chip(Some(*c))) }
                </div>
            </div>
            <ol class="log-lines mono" tabindex="0" aria-label={l.t("Events, newest first", "事件，最新在前")}>
                { for shown.map(|line| html! {
                    <li key={line.id} class={classes!("log-line", format!("tone-{}", line.tone.class()), line.unclean.then_some("unclean"))}>
                        <span class="log-time">{ format!("{:>7} ms", line.at_ms) }</span>
                        <span class={classes!("log-cat", category_class(line.category))} title={category_label(l, line.category)} aria-hidden="true"></span>
                        <span class="log-text">
                            if line.unclean { <b class="unclean-flag">{ l.t("⚠ unclean", "⚠ unclean 选举") }</b>{ " " } }
                            { line.text(l).to_string() }
                        </span>
                    </li>
                }) }
            </ol>
        </section>
    }
}
