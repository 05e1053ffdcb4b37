//! Consumer groups as `kafka-consumer-groups --describe` shows them (coordinator, state,
//! generation, members, committed offset and lag per partition), the consumer clients with their
//! config badges, and the controls to start, crash, close or stall a consumer.

use super::Send;
use crate::client_controls::{clean_name, next_consumer_name, strategy_short, DEFAULT_GROUP};
use crate::i18n::Lang;
use kplay_engine::assignor::Assignor;
use kplay_engine::config::{config_def, ConfigScope};
use kplay_engine::snapshot::{ConsumerView, GroupView};
use kplay_engine::Command;
use std::collections::BTreeMap;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The `session.timeout.ms` choices of the add-consumer form: Kafka's default (45 s), then
/// shorter ones so a crash is noticed while the learner watches.
const SESSION_CHOICES_MS: [u64; 3] = [45_000, 10_000, 6_000];

/// The configs shown as badges on a consumer card, in this order.
const BADGE_KEYS: [&str; 6] = [
    "partition.assignment.strategy",
    "enable.auto.commit",
    "auto.offset.reset",
    "session.timeout.ms",
    "max.poll.interval.ms",
    "kplay.commit.mode",
];

/// A consumer config: its value on the client, else Kafka's default.
fn consumer_config(c: &ConsumerView, key: &str) -> String {
    c.configs
        .get(key)
        .cloned()
        .or_else(|| config_def(ConfigScope::Consumer, key).map(|d| d.default.to_string()))
        .unwrap_or_default()
}

/// The CSS tone of a group state.
fn state_tone(state: &str) -> &'static str {
    match state {
        "Stable" => "good",
        "PreparingRebalance" | "CompletingRebalance" => "warn",
        "Empty" => "neutral",
        _ => "bad",
    }
}

fn group_state_hint(l: Lang, state: &str) -> &'static str {
    match state {
        "Stable" => l.t(
            "Stable: every member has its assignment and heartbeats",
            "Stable：每个成员都拿到了分配并在发送心跳",
        ),
        "PreparingRebalance" => l.t(
            "PreparingRebalance: the coordinator waits for every member to send JoinGroup (members learn it from their heartbeat's REBALANCE_IN_PROGRESS)",
            "PreparingRebalance：coordinator 等待所有成员发送 JoinGroup（成员从心跳返回的 REBALANCE_IN_PROGRESS 得知）",
        ),
        "CompletingRebalance" => l.t(
            "CompletingRebalance: the new generation is formed; the coordinator waits for the leader's SyncGroup with the assignment",
            "CompletingRebalance：新的 generation 已形成；coordinator 等待 leader 在 SyncGroup 中提交分配方案",
        ),
        "Empty" => l.t(
            "Empty: no members, but the group's committed offsets are kept",
            "Empty：没有成员，但组的已提交 offset 仍然保留",
        ),
        "Dead" => l.t("Dead: the group has no members and no metadata", "Dead：组既没有成员也没有元数据"),
        _ => l.t(
            "No coordinator holds the group: its __consumer_offsets partition has no leader",
            "没有 coordinator 持有该组：它所在的 __consumer_offsets 分区没有 leader",
        ),
    }
}

#[derive(Properties, PartialEq)]
pub struct GroupsPanelProps {
    pub lang: Lang,
    /// The topic new consumers subscribe to.
    pub topic: String,
    pub groups: Vec<GroupView>,
    pub consumers: Vec<ConsumerView>,
    pub send: Send,
    /// Show the add-consumer form and each consumer's crash / close / poll buttons (an embedded
    /// widget hides them unless its `controls` list the consumer controls).
    #[prop_or(true)]
    pub actions: bool,
    /// The lesson player's step controls: `None` (sandbox, widget) shows the actions `actions`
    /// allows; `Some` hides the add-consumer form (the lesson has its own) and shows only the
    /// consumer buttons whose command is listed (`crash_consumer`, `close_consumer`,
    /// `stop_polling`, `resume_polling`).
    #[prop_or_default]
    pub allowed: Option<Rc<Vec<String>>>,
    /// Groups shown folded under "Other groups" (the lesson player: those the step is not about).
    #[prop_or_default]
    pub folded: Vec<String>,
}

/// The consumer-groups panel.
#[function_component(GroupsPanel)]
pub fn groups_panel(p: &GroupsPanelProps) -> Html {
    let l = p.lang;
    let rebalancing = p
        .groups
        .iter()
        .filter(|g| {
            matches!(
                g.state.as_str(),
                "PreparingRebalance" | "CompletingRebalance"
            )
        })
        .count();
    let note = match l {
        Lang::En => format!(
            "{} {} · {} {}",
            p.groups.len(),
            if p.groups.len() == 1 {
                "group"
            } else {
                "groups"
            },
            p.consumers.len(),
            if p.consumers.len() == 1 {
                "consumer"
            } else {
                "consumers"
            }
        ),
        Lang::Zh => format!(
            "{} 个消费者组 · {} 个消费者",
            p.groups.len(),
            p.consumers.len()
        ),
    };
    let card = |g: &GroupView| {
        html! {
            <GroupCard lang={l} group={g.clone()}
                consumers={p.consumers.iter().filter(|c| c.group == g.group).cloned().collect::<Vec<_>>()}
                send={p.send.clone()} actions={p.actions} allowed={p.allowed.clone()} key={g.group.clone()} />
        }
    };
    html! {
        <section class="panel o-groups" aria-labelledby="groups-h" data-testid="groups-panel">
            <div class="panel-head">
                <h2 id="groups-h">{ l.t("Consumer groups", "消费者组") }</h2>
                <span class="panel-note">{ note }</span>
                if rebalancing > 0 {
                    <span class="pill warn rebalancing" role="status" data-testid="rebalance-in-progress">
                        <span class="spinner" aria-hidden="true"></span>{ l.t("rebalance in progress", "正在再平衡") }
                    </span>
                }
            </div>
            if p.actions && p.allowed.is_none() {
                <AddConsumer lang={l} topic={p.topic.clone()} next_name={next_consumer_name(&p.consumers)} send={p.send.clone()} />
            }
            if p.groups.is_empty() && p.consumers.is_empty() {
                <p class="empty">{ l.t(
                    "No consumers yet. Add one: it finds its group coordinator (FindCoordinator), joins the group (JoinGroup, SyncGroup) and starts polling.",
                    "还没有消费者。添加一个：它会找到组 coordinator（FindCoordinator）、加入组（JoinGroup、SyncGroup）并开始 poll。") }</p>
            }
            { for p.groups.iter().filter(|g| !p.folded.contains(&g.group)).map(card) }
            if p.groups.iter().any(|g| p.folded.contains(&g.group)) {
                <details class="other-groups" data-testid="other-groups">
                    <summary>{ format!("{} ({})", l.t("Other groups", "其他消费者组"),
                        p.groups.iter().filter(|g| p.folded.contains(&g.group)).map(|g| g.group.as_str()).collect::<Vec<_>>().join(", ")) }</summary>
                    { for p.groups.iter().filter(|g| p.folded.contains(&g.group)).map(card) }
                </details>
            }
            // Consumers whose group the coordinator does not show (yet): still controllable.
            { for p.consumers.iter().filter(|c| !p.groups.iter().any(|g| g.group == c.group)).map(|c| html! {
                <div class="consumers" key={c.name.clone()}>
                    <ConsumerCard lang={l} consumer={c.clone()} send={p.send.clone()} actions={p.actions} allowed={p.allowed.clone()} />
                </div>
            }) }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct AddConsumerProps {
    lang: Lang,
    topic: String,
    next_name: String,
    send: Send,
}

/// The add-consumer form: `group.id`, `partition.assignment.strategy`, `session.timeout.ms`,
/// `auto.offset.reset`.
#[function_component(AddConsumer)]
fn add_consumer(p: &AddConsumerProps) -> Html {
    let l = p.lang;
    let group = use_state(|| DEFAULT_GROUP.to_string());
    let strategy = use_state(|| "default".to_string());
    let session = use_state(|| SESSION_CHOICES_MS[1]);
    let reset = use_state(|| "earliest".to_string());
    let on_group = {
        let group = group.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                // Kafka allows [a-zA-Z0-9._-] in names that end up in topics and metrics.
                let clean = clean_name(&input.value());
                if clean != input.value() {
                    input.set_value(&clean);
                }
                group.set(clean);
            }
        })
    };
    let select = |state: UseStateHandle<String>| {
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<HtmlSelectElement>() {
                state.set(s.value());
            }
        })
    };
    let on_session = {
        let session = session.clone();
        Callback::from(move |e: Event| {
            if let Some(v) = e
                .target_dyn_into::<HtmlSelectElement>()
                .and_then(|s| s.value().parse().ok())
            {
                session.set(v);
            }
        })
    };
    let on_submit = {
        let (group, strategy, session, reset) = (
            group.clone(),
            strategy.clone(),
            session.clone(),
            reset.clone(),
        );
        let send = p.send.clone();
        let topic = p.topic.clone();
        let name = p.next_name.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let g = group.trim();
            let g = if g.is_empty() { DEFAULT_GROUP } else { g };
            let mut configs = BTreeMap::new();
            configs.insert("group.id".to_string(), g.to_string());
            if let Some(a) = Assignor::from_name(&strategy) {
                configs.insert(
                    "partition.assignment.strategy".to_string(),
                    a.class_name().to_string(),
                );
            }
            configs.insert("session.timeout.ms".to_string(), session.to_string());
            configs.insert("auto.offset.reset".to_string(), (*reset).clone());
            send.command(Command::AddConsumer {
                name: name.clone(),
                topics: vec![topic.clone()],
                configs,
            });
        })
    };
    let doc = |key: &str| l.config_doc(ConfigScope::Consumer, key);
    html! {
        <form class="consumer-form" onsubmit={on_submit} aria-label={l.t("Add a consumer", "添加消费者")} data-testid="add-consumer-form">
            <div class="field">
                <label for="group-id-input" class="mono">{ "group.id" }</label>
                <input id="group-id-input" type="text" data-testid="group-id-input" value={(*group).clone()} oninput={on_group}
                    title={doc("group.id")} autocomplete="off" spellcheck="false" />
            </div>
            <div class="field">
                <label for="assignor-select" class="mono">{ "partition.assignment.strategy" }</label>
                <select id="assignor-select" data-testid="assignor-select" onchange={select(strategy.clone())} title={doc("partition.assignment.strategy")}>
                    <option value="default" selected={*strategy == "default"}>{ l.t("default (range, cooperative-sticky)", "默认（range, cooperative-sticky）") }</option>
                    { for Assignor::ALL.into_iter().map(|a| html! {
                        <option value={a.name()} selected={*strategy == a.name()}>{ a.name() }</option>
                    }) }
                </select>
            </div>
            <div class="field">
                <label for="session-select" class="mono">{ "session.timeout.ms" }</label>
                <select id="session-select" data-testid="session-select" onchange={on_session} title={doc("session.timeout.ms")}>
                    { for SESSION_CHOICES_MS.iter().map(|ms| html! {
                        <option value={ms.to_string()} selected={*session == *ms}>
                            { if *ms == 45_000 { format!("{ms} ({})", l.t("default", "默认")) } else { ms.to_string() } }
                        </option>
                    }) }
                </select>
            </div>
            <div class="field">
                <label for="offset-reset-select" class="mono">{ "auto.offset.reset" }</label>
                <select id="offset-reset-select" data-testid="offset-reset-select" onchange={select(reset.clone())} title={doc("auto.offset.reset")}>
                    <option value="earliest" selected={*reset == "earliest"}>{ "earliest" }</option>
                    <option value="latest" selected={*reset == "latest"}>{ l.t("latest (default)", "latest（默认）") }</option>
                </select>
            </div>
            <button type="submit" class="btn primary" data-testid="add-consumer"
                aria-label={format!("{} {} → {}", l.t("Add consumer", "添加消费者"), p.next_name, p.topic)}>
                { l.t("Add consumer", "添加消费者") }
                <span class="btn-sub mono">{ format!("{} → {}", p.next_name, p.topic) }</span>
            </button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct GroupCardProps {
    lang: Lang,
    group: GroupView,
    consumers: Vec<ConsumerView>,
    send: Send,
    actions: bool,
    allowed: Option<Rc<Vec<String>>>,
}

/// One group: its coordinator and state, the partitions table with lag, and its members.
#[function_component(GroupCard)]
fn group_card(p: &GroupCardProps) -> Html {
    let l = p.lang;
    let g = &p.group;
    let tone = state_tone(&g.state);
    let coordinator = g
        .coordinator
        .map(|b| b.to_string())
        .unwrap_or_else(|| l.t("none", "无").to_string());
    let total_lag: u64 = g.partitions.iter().filter_map(|x| x.lag).sum();
    let max_lag = g
        .partitions
        .iter()
        .filter_map(|x| x.lag)
        .max()
        .unwrap_or(0)
        .max(1);
    let gid = g.group.clone();
    // The leader by client id (its member id is long; it is in the tooltip).
    let leader_client = g
        .leader
        .as_ref()
        .map(|id| {
            g.members
                .iter()
                .find(|m| &m.member_id == id)
                .map_or(id.clone(), |m| m.client_id.clone())
        })
        .unwrap_or_else(|| "—".into());
    html! {
        <article class={classes!("group", format!("g-{tone}"))} data-testid={format!("group-{gid}")} data-state={g.state.clone()}
            aria-label={format!("{} {gid}: {}", l.t("Consumer group", "消费者组"), g.state)}>
            <header class="group-head">
                <h3 class="mono">{ gid.clone() }</h3>
                <span class={classes!("pill", tone)} data-testid={format!("group-state-{gid}")} title={group_state_hint(l, &g.state)}>
                    if tone == "warn" { <span class="spinner" aria-hidden="true"></span> }
                    { g.state.clone() }
                </span>
            </header>
            <dl class="describe mono group-describe">
                <div><dt>{ "generation:" }</dt><dd data-testid={format!("group-generation-{gid}")}>{ g.generation }</dd></div>
                <div title={l.t("The group coordinator: the leader of the group's __consumer_offsets partition", "组 coordinator：该组所在 __consumer_offsets 分区的 leader")}>
                    <dt>{ l.t("coordinator:", "coordinator：") }</dt>
                    <dd data-testid={format!("group-coordinator-{gid}")}>{ format!("{coordinator} (__consumer_offsets-{})", g.offsets_partition) }</dd>
                </div>
                <div><dt>{ "protocol:" }</dt><dd>{ g.protocol.clone().unwrap_or_else(|| "—".into()) }</dd></div>
                <div title={g.leader.clone().unwrap_or_default()}><dt>{ "leader:" }</dt><dd>{ leader_client }</dd></div>
                <div><dt>{ "LAG:" }</dt><dd data-testid={format!("group-lag-{gid}")}>{ total_lag }</dd></div>
            </dl>
            <div class="table-wrap">
            <table class="offsets-table" data-testid={format!("group-partitions-{gid}")}>
                <caption class="sr-only">{ format!("{} {gid}", l.t("Committed offsets and lag per partition of group", "各分区的已提交 offset 与 lag，组")) }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ "PARTITION" }</th>
                        <th scope="col">{ "CONSUMER" }</th>
                        <th scope="col" title={l.t("The group's committed offset: the next offset it will read", "组的已提交 offset：下一条要读取的 offset")}>{ "CURRENT-OFFSET" }</th>
                        <th scope="col" title={l.t("The leader's high watermark: what consumers can read", "leader 的高水位：消费者能读到的位置")}>{ "LOG-END-OFFSET" }</th>
                        <th scope="col">{ "LAG" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for g.partitions.iter().map(|x| {
                        let tp = x.tp.to_string();
                        let lag = x.lag.unwrap_or(0);
                        let pct = (lag.min(max_lag) * 100 / max_lag) as u32;
                        html! {
                            <tr key={tp.clone()} data-testid={format!("group-row-{gid}-{tp}")}>
                                <th scope="row" class="mono">{ tp.clone() }</th>
                                <td class="mono">{ x.owner.clone().unwrap_or_else(|| "—".into()) }</td>
                                <td class="mono">{ x.committed.map(|o| o.to_string()).unwrap_or_else(|| "—".into()) }</td>
                                <td class="mono">{ x.high_watermark.map(|o| o.to_string()).unwrap_or_else(|| "—".into()) }</td>
                                <td class="lag-cell">
                                    <span class="mono">{ x.lag.map(|v| v.to_string()).unwrap_or_else(|| "—".into()) }</span>
                                    <span class="lag-bar" aria-hidden="true"><span class={classes!("lag-fill", (lag > 0).then_some("behind"))} style={format!("width:{pct}%")}></span></span>
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            </div>
            if g.ledger.processed_once + g.ledger.duplicated + g.ledger.never_processed > 0 {
                <p class="ledger small" data-testid={format!("group-ledger-{gid}")}
                    title={l.t("How often the application processed each record below the HW: duplicates come from reprocessing after a crash or rebalance before a commit (at-least-once)", "应用对 HW 以下每条消息处理了几次：在提交之前崩溃或再平衡会导致重复处理（至少一次）")}>
                    <span class="pill good">{ format!("{} {}", g.ledger.processed_once, l.t("processed once", "处理一次")) }</span>
                    <span class={classes!("pill", if g.ledger.duplicated > 0 { "warn" } else { "neutral" })}>{ format!("{} {}", g.ledger.duplicated, l.t("duplicated", "重复处理")) }</span>
                    if g.ledger.lost > 0 {
                        <span class="pill bad" title={l.t("Never processed, and the group's committed offset has passed them: the group will not read them again (at-most-once)", "从未处理，且 group 的已提交 offset 已越过它们：group 不会再读到（至多一次）")}>{ format!("{} {}", g.ledger.lost, l.t("lost", "丢失")) }</span>
                    }
                    <span class={classes!("pill", if g.ledger.pending > 0 { "neutral" } else { "good" })}>{ format!("{} {}", g.ledger.pending, l.t("not processed yet", "尚未处理")) }</span>
                    if g.ledger.aborted > 0 {
                        <span class="pill neutral" title={l.t("Exactly-once: processings whose transaction aborted; their output and offsets were discarded and the records are processed again", "精确一次：所在事务被中止的处理；其输出和 offset 被丢弃，记录会被重新处理")}>{ format!("{} {}", g.ledger.aborted, l.t("aborted processings", "次处理被事务中止")) }</span>
                    }
                </p>
            }
            <h4 class="small muted">{ l.t("Members", "成员") }</h4>
            if g.members.is_empty() {
                <p class="empty small">{ l.t("No members.", "没有成员。") }</p>
            }
            <ul class="members" data-testid={format!("group-members-{gid}")}>
                { for g.members.iter().map(|m| {
                    let assigned = m.assignment.iter().map(|tp| tp.to_string()).collect::<Vec<_>>().join(", ");
                    html! {
                        <li key={m.member_id.clone()}>
                            <span class="mono member-client">{ m.client_id.clone() }</span>
                            if g.leader.as_deref() == Some(m.member_id.as_str()) || g.leader.as_deref() == Some(m.client_id.as_str()) {
                                <span class="pill neutral" title={l.t("The group leader computes the assignment and sends it in SyncGroup", "组 leader 计算分配方案并通过 SyncGroup 发送")}>{ "leader" }</span>
                            }
                            <span class="mono member-assign" title={m.member_id.clone()}>{ if assigned.is_empty() { "—".to_string() } else { assigned } }</span>
                            <span class="small muted mono" title={l.t("Until the coordinator removes the member without a heartbeat (session.timeout.ms)", "没有心跳时 coordinator 将在此后移除该成员（session.timeout.ms）")}>
                                { format!("{:.1} s", m.ms_until_session_expires as f64 / 1000.0) }
                            </span>
                        </li>
                    }
                }) }
            </ul>
            <div class="consumers">
                { for p.consumers.iter().map(|c| html! {
                    <ConsumerCard lang={l} consumer={c.clone()} send={p.send.clone()} actions={p.actions} allowed={p.allowed.clone()} key={c.name.clone()} />
                }) }
            </div>
        </article>
    }
}

#[derive(Properties, PartialEq)]
struct ConsumerCardProps {
    lang: Lang,
    consumer: ConsumerView,
    send: Send,
    actions: bool,
    allowed: Option<Rc<Vec<String>>>,
}

/// One consumer client: state, config badges, position, and its crash / close / poll controls.
#[function_component(ConsumerCard)]
fn consumer_card(p: &ConsumerCardProps) -> Html {
    let l = p.lang;
    let c = &p.consumer;
    let name = c.name.clone();
    let cmd = |make: fn(String) -> Command| {
        let send = p.send.clone();
        let name = name.clone();
        Callback::from(move |_: MouseEvent| send.command(make(name.clone())))
    };
    let (tone, status) = if !c.alive {
        ("bad", l.t("stopped", "已停止").to_string())
    } else if let Some(err) = &c.failed {
        (
            "bad",
            format!("{} {err}", l.t("poll() threw", "poll() 抛出")),
        )
    } else if !c.polling {
        ("warn", l.t("not polling", "没有 poll").to_string())
    } else {
        (
            if c.state == "Stable" { "good" } else { "warn" },
            c.state.clone(),
        )
    };
    // A stopped consumer owns nothing, whatever it last held.
    let assigned = c
        .assignment
        .iter()
        .filter(|_| c.alive)
        .map(|tp| {
            let pos = c.positions.iter().find(|(t, _)| t == tp).map(|(_, o)| *o);
            match pos {
                Some(o) => format!("{tp}@{o}"),
                None => tp.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let badges = BADGE_KEYS.iter().map(|key| {
        let v = consumer_config(c, key);
        let shown = if *key == "partition.assignment.strategy" {
            strategy_short(&v)
        } else {
            v
        };
        let explicit = c.configs.contains_key(*key);
        html! {
            <span class={classes!("cfg-badge", explicit.then_some("set"))} title={l.config_doc(ConfigScope::Consumer, key)}>
                <span class="cfg-key">{ *key }</span><span class="cfg-val">{ shown }</span>
            </span>
        }
    });
    let alive = c.alive;
    let polling = c.polling;
    let may = |cmd: &str| {
        p.actions
            && p.allowed
                .as_ref()
                .is_none_or(|a| a.iter().any(|x| x == cmd))
    };
    let any_action = [
        "crash_consumer",
        "close_consumer",
        "stop_polling",
        "resume_polling",
    ]
    .into_iter()
    .any(may);
    html! {
        <div class={classes!("consumer", format!("c-{tone}"))} data-testid={format!("consumer-{name}")}
            role="group" aria-label={format!("{} {name}: {status}", l.t("Consumer", "消费者"))}>
            <div class="consumer-head">
                <span class="mono consumer-name">{ name.clone() }</span>
                <span class={classes!("pill", tone)} data-testid={format!("consumer-state-{name}")}>{ status.clone() }</span>
                if c.leader && c.alive {
                    <span class="pill neutral">{ "leader" }</span>
                }
                <span class="small muted mono">{ format!("gen {} · {} {}", c.generation, c.records_processed, l.t("records processed", "条已处理")) }</span>
            </div>
            <p class="consumer-assign small">
                <span class="muted">{ l.t("Assigned: ", "已分配：") }</span>
                <span class="mono" data-testid={format!("consumer-assignment-{name}")}>{ if assigned.is_empty() { "—".to_string() } else { assigned } }</span>
            </p>
            <div class="cfg-badges" aria-label={l.t("Consumer configs", "消费者配置")}>{ for badges }</div>
            if any_action {
            <div class="card-actions">
                if may("crash_consumer") {
                <button class="btn small danger" onclick={cmd(|consumer| Command::CrashConsumer { consumer })}
                    aria-disabled={(!alive).to_string()} disabled={!alive} data-testid={format!("crash-consumer-{name}")}
                    title={l.t("Kill the process: no LeaveGroup, no final commit; the coordinator notices after session.timeout.ms", "杀掉进程：不发 LeaveGroup、不做最后一次提交；coordinator 在 session.timeout.ms 后才发现")}
                    aria-label={format!("{} {name}", l.t("Crash consumer", "宕掉消费者"))}>{ l.t("Crash", "宕机") }</button>
                }
                if may("close_consumer") {
                <button class="btn small" onclick={cmd(|consumer| Command::CloseConsumer { consumer })}
                    disabled={!alive} data-testid={format!("close-consumer-{name}")}
                    title={l.t("consumer.close(): commit (with auto-commit) and LeaveGroup — the group rebalances at once", "consumer.close()：提交（开启自动提交时）并发送 LeaveGroup —— 组立即再平衡")}
                    aria-label={format!("{} {name}", l.t("Close consumer", "关闭消费者"))}>{ l.t("Close", "关闭") }</button>
                }
                if polling && may("stop_polling") {
                    <button class="btn small" onclick={cmd(|consumer| Command::StopPolling { consumer })}
                        disabled={!alive} data-testid={format!("stop-polling-{name}")}
                        title={l.t("The application stops calling poll() (stuck processing) while heartbeats go on: after max.poll.interval.ms the consumer leaves the group", "应用不再调用 poll()（处理卡住），心跳仍在继续：超过 max.poll.interval.ms 后消费者离开组")}
                        aria-label={format!("{} {name}", l.t("Stop polling", "停止 poll"))}>{ l.t("Stop polling", "停止 poll") }</button>
                } else if !polling && may("resume_polling") {
                    <button class="btn small" onclick={cmd(|consumer| Command::ResumePolling { consumer })}
                        disabled={!alive} data-testid={format!("resume-polling-{name}")}
                        title={l.t("The application calls poll() again (and rejoins if it had left)", "应用重新调用 poll()（若已离开组则重新加入）")}
                        aria-label={format!("{} {name}", l.t("Resume polling", "恢复 poll"))}>{ l.t("Resume polling", "恢复 poll") }</button>
                }
            </div>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_names_are_shortened_to_protocol_names() {
        assert_eq!(
            strategy_short(kplay_engine::assignor::DEFAULT_STRATEGY),
            "range, cooperative-sticky"
        );
        assert_eq!(strategy_short("com.example.MyAssignor"), "MyAssignor");
    }

    #[test]
    fn next_consumer_name_skips_taken_names() {
        let taken = |n: &str| ConsumerView {
            name: n.to_string(),
            ..Default::default()
        };
        assert_eq!(next_consumer_name(&[]), "consumer-1");
        assert_eq!(
            next_consumer_name(&[taken("consumer-1"), taken("consumer-3")]),
            "consumer-2"
        );
    }
}
