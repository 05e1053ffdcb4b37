//! Consumer groups as `kafka-consumer-groups --describe` shows them: state, generation,
//! coordinator, members with their assignment, and per partition the owner, committed offset,
//! log end (HW) and lag. Read from `Snapshot.groups` / `Snapshot.consumers`; the only action is
//! crashing a consumer (`CrashConsumer`).

use super::Send;
use crate::i18n::Lang;
use kplay_engine::snapshot::{ConsumerView, GroupView};
use kplay_engine::Command;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GroupsProps {
    pub lang: Lang,
    pub groups: Vec<GroupView>,
    pub consumers: Vec<ConsumerView>,
    pub send: Send,
    /// Offer "Crash" on each running consumer.
    #[prop_or_default]
    pub may_crash: bool,
}

fn state_class(state: &str) -> &'static str {
    match state {
        "Stable" => "good",
        "PreparingRebalance" | "CompletingRebalance" => "warn",
        "Dead" | "Unknown" => "bad",
        _ => "muted",
    }
}

/// Every consumer group, one card each.
#[function_component(GroupsPanel)]
pub fn groups_panel(p: &GroupsProps) -> Html {
    let l = p.lang;
    html! {
        <section class="panel o-groups" aria-labelledby="groups-h" data-testid="groups">
            <div class="panel-head">
                <h2 id="groups-h">{ l.t("Consumer groups", "消费者组") }</h2>
                <span class="panel-note">{ l.t("offsets committed to __consumer_offsets", "offset 提交到 __consumer_offsets") }</span>
            </div>
            if p.groups.is_empty() {
                <p class="empty">{ l.t("No consumer group has joined yet.", "还没有消费者组加入。") }</p>
            }
            <div class="groups">
                { for p.groups.iter().map(|g| group_card(p, g)) }
            </div>
        </section>
    }
}

fn group_card(p: &GroupsProps, g: &GroupView) -> Html {
    let l = p.lang;
    let consumers: Vec<&ConsumerView> = p.consumers.iter().filter(|c| c.group == g.group).collect();
    let coordinator = match g.coordinator {
        Some(b) => b.to_string(),
        None => l.t("none", "无").to_string(),
    };
    html! {
        <article class="card group" data-testid={format!("group-{}", g.group)} data-state={g.state.clone()} key={g.group.clone()}>
            <header class="group-head">
                <h3 class="mono">{ g.group.clone() }</h3>
                <span class={classes!("pill", state_class(&g.state))} data-testid={format!("group-state-{}", g.group)}>{ g.state.clone() }</span>
                <span class="group-meta">
                    { format!("{} {} · {} {} · __consumer_offsets-{}", l.t("generation", "generation"), g.generation, l.t("coordinator", "coordinator"), coordinator, g.offsets_partition) }
                    { g.protocol.as_ref().map(|x| format!(" · {x}")).unwrap_or_default() }
                </span>
            </header>
            <ul class="members" aria-label={l.t("Consumers", "消费者")}>
                { for consumers.iter().map(|c| {
                    let assigned: Vec<String> = c.assignment.iter().map(|tp| format!("p{}", tp.partition)).collect();
                    let status = if !c.alive {
                        l.t("crashed", "已崩溃").to_string()
                    } else if let Some(f) = &c.failed {
                        f.clone()
                    } else if assigned.is_empty() {
                        c.state.clone()
                    } else {
                        assigned.join(" ")
                    };
                    let on_crash = {
                        let send = p.send.clone();
                        let consumer = c.name.clone();
                        Callback::from(move |_| send.command(Command::CrashConsumer { consumer: consumer.clone() }))
                    };
                    html! {
                        <li class={classes!("member", (!c.alive).then_some("down"))} data-testid={format!("consumer-{}", c.name)} key={c.name.clone()}>
                            <span class="member-name mono">{ c.name.clone() }</span>
                            if c.leader && c.alive {
                                <span class="pill muted" title={l.t("The group leader computes the assignment (classic protocol)", "组 leader 负责计算分配方案（classic 协议）")}>{ l.t("leader", "leader") }</span>
                            }
                            <span class="member-parts mono">{ status }</span>
                            <span class="member-count">{ format!("{} {}", c.records_processed, l.t("processed", "条已处理")) }</span>
                            if p.may_crash && c.alive {
                                <button class="btn small danger" onclick={on_crash} data-testid={format!("crash-consumer-{}", c.name)}
                                    aria-label={format!("{} {}", l.t("Crash consumer", "让消费者崩溃："), c.name)}>
                                    { l.t("Crash", "崩溃") }
                                </button>
                            }
                        </li>
                    }
                }) }
            </ul>
            <div class="md-table">
                <table class="group-table">
                    <thead><tr>
                        <th scope="col">{ "PARTITION" }</th>
                        <th scope="col">{ l.t("OWNER", "OWNER（消费者）") }</th>
                        <th scope="col">{ "CURRENT-OFFSET" }</th>
                        <th scope="col">{ "LOG-END-OFFSET" }</th>
                        <th scope="col">{ "LAG" }</th>
                    </tr></thead>
                    <tbody>
                        { for g.partitions.iter().map(|gp| {
                            let dash = || "—".to_string();
                            html! {
                                <tr data-testid={format!("lag-{}-{}", g.group, gp.tp)} key={gp.tp.to_string()}>
                                    <td class="mono">{ gp.tp.to_string() }</td>
                                    <td class="mono">{ gp.owner.clone().unwrap_or_else(dash) }</td>
                                    <td class="mono">{ gp.committed.map(|x| x.to_string()).unwrap_or_else(dash) }</td>
                                    <td class="mono">{ gp.high_watermark.map(|x| x.to_string()).unwrap_or_else(dash) }</td>
                                    <td class={classes!("mono", gp.lag.is_some_and(|x| x > 0).then_some("lagging"))}>{ gp.lag.map(|x| x.to_string()).unwrap_or_else(dash) }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
            if g.ledger.duplicated > 0 || g.ledger.never_processed > 0 {
                <p class="group-ledger" data-testid={format!("ledger-{}", g.group)}>
                    { format!("{} {} · {} {} · {} {}",
                        g.ledger.processed_once, l.t("processed once", "条处理一次"),
                        g.ledger.duplicated, l.t("processed again (at-least-once)", "条被重复处理（at-least-once）"),
                        g.ledger.never_processed, l.t("not processed yet", "条尚未处理")) }
                </p>
            }
        </article>
    }
}
