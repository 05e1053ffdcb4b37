//! A plain-text summary of the cluster for screen readers (aria-live="polite"). It leaves out the
//! clock so it only changes — and is only announced — when the cluster's state changes.

use crate::i18n::Lang;
use kplay_engine::events::ProduceOutcome;
use kplay_engine::Snapshot;
use std::rc::Rc;
use yew::prelude::*;

/// Builds the summary sentence.
pub fn summarize(l: Lang, s: &Snapshot) -> String {
    let alive = s.brokers.iter().filter(|b| b.alive).count();
    let mut out = match l {
        Lang::En => format!("{alive} of {} brokers running. ", s.brokers.len()),
        Lang::Zh => format!("{} 个 broker 中 {alive} 个在运行。", s.brokers.len()),
    };
    for b in s.brokers.iter().filter(|b| !b.alive || b.fenced) {
        let state = match (b.alive, b.fenced) {
            (false, true) => l.t("crashed and fenced", "已宕机并被隔离"),
            (false, false) => l.t("crashed", "已宕机"),
            _ => l.t("fenced", "已隔离"),
        };
        out.push_str(&format!("{} {state}. ", b.id));
    }
    let q = &s.quorum;
    if !q.voters.is_empty() {
        let up = q.voters.iter().filter(|v| v.alive).count();
        out.push_str(&match (q.active_controller, l) {
            (Some(id), Lang::En) => format!(
                "{up} of {} controllers running, active controller-{id}. ",
                q.voters.len()
            ),
            (Some(id), Lang::Zh) => format!(
                "{} 个 controller 中 {up} 个在运行，活跃 controller-{id}。",
                q.voters.len()
            ),
            (None, Lang::En) => format!(
                "{up} of {} controllers running, no active controller: metadata is frozen. ",
                q.voters.len()
            ),
            (None, Lang::Zh) => format!(
                "{} 个 controller 中 {up} 个在运行，没有活跃 controller：元数据已冻结。",
                q.voters.len()
            ),
        });
    }
    for t in &s.topics {
        for p in &t.partitions {
            let isr: Vec<String> = p.isr.iter().map(|b| b.0.to_string()).collect();
            let leader = p
                .leader
                .map(|b| b.to_string())
                .unwrap_or_else(|| l.t("no leader", "没有 leader").to_string());
            out.push_str(&format!("{}: leader {leader}, ISR {}", p.tp, isr.join(",")));
            if p.under_min_isr {
                out.push_str(l.t(", under min.insync.replicas", "，低于 min.insync.replicas"));
            } else if p.under_replicated {
                out.push_str(l.t(", under-replicated", "，副本不足"));
            }
            out.push_str(". ");
        }
    }
    if let Some(last) = s.requests.iter().rev().find(|r| r.outcome.is_some()) {
        let what = match &last.outcome {
            Some(ProduceOutcome::Ok { offset }) => format!("offset {offset}"),
            Some(ProduceOutcome::Err { error, .. }) => error.name().to_string(),
            None => String::new(),
        };
        out.push_str(&format!(
            "{} #{}: {what}.",
            l.t("Last produce", "最近一次发送"),
            last.id.0
        ));
    }
    out
}

#[derive(Properties, PartialEq)]
pub struct SummaryProps {
    pub lang: Lang,
    pub snapshot: Rc<Snapshot>,
}

/// Visually hidden, announced politely.
#[function_component(SrSummary)]
pub fn sr_summary(p: &SummaryProps) -> Html {
    html! {
        <div class="sr-only" role="status" aria-live="polite" aria-atomic="true" data-testid="sr-summary">
            { summarize(p.lang, &p.snapshot) }
        </div>
    }
}
