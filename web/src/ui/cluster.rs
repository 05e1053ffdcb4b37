//! Cluster-level views: Kafka's health metrics, the broker cards and the KRaft controller quorum
//! with the broker registrations the active controller holds.

use super::Send;
use crate::i18n::Lang;
use kplay_engine::config::{config_def, ConfigScope};
use kplay_engine::snapshot::{BrokerView, Metrics, RegistrationView, Snapshot};
use kplay_engine::Command;
use std::rc::Rc;
use yew::prelude::*;

/// `broker.session.timeout.ms` (the scenarios keep Kafka's default).
fn session_timeout_ms() -> u64 {
    config_def(ConfigScope::Broker, "broker.session.timeout.ms")
        .and_then(|d| d.default.parse().ok())
        .unwrap_or(9000)
}

/// Lets a long CamelCase metric name wrap between its words (`UnderMinIsr<wbr>Partition<wbr>Count`).
fn camel_breaks(name: &str) -> Html {
    let mut parts: Vec<String> = Vec::new();
    for ch in name.chars() {
        match parts.last_mut() {
            Some(last) if !ch.is_ascii_uppercase() => last.push(ch),
            _ => parts.push(ch.to_string()),
        }
    }
    // Keep short words (`Isr`, `Min`) attached to the next so the name breaks at natural points.
    let mut words: Vec<String> = Vec::new();
    for part in parts {
        match words.last_mut() {
            Some(last) if last.len() <= 5 => last.push_str(&part),
            _ => words.push(part),
        }
    }
    html! { <>{ for words.into_iter().map(|w| html! { <>{ w }<wbr /></> }) }</> }
}

#[derive(Properties, PartialEq)]
pub struct MetricsProps {
    pub lang: Lang,
    pub metrics: Metrics,
}

/// Kafka's JMX health metrics, under their real names.
#[function_component(MetricsBar)]
pub fn metrics_bar(p: &MetricsProps) -> Html {
    let l = p.lang;
    let m = &p.metrics;
    let tile = |name: &'static str, value: u32, bad: bool, hint: &'static str| {
        html! {
            <div class={classes!("metric", bad.then_some("metric-bad"))} title={hint}>
                <span class="metric-value">{ value }</span>
                <span class="metric-name">{ camel_breaks(name) }</span>
            </div>
        }
    };
    html! {
        <section class="metrics o-metrics" aria-label={l.t("Cluster metrics", "集群指标")} data-testid="metrics">
            { tile("ActiveControllerCount", m.active_controller_count, m.active_controller_count == 0,
                l.t("Controllers that are the active controller (summed over the quorum): 1 when healthy, 0 while metadata is frozen", "担任活跃 controller 的数量（整个仲裁合计）：正常时为 1，元数据冻结时为 0")) }
            { tile("ActiveBrokerCount", m.active_broker_count, false,
                l.t("Brokers registered and unfenced at the controller", "在 controller 注册且未被隔离的 broker 数")) }
            { tile("FencedBrokerCount", m.fenced_broker_count, m.fenced_broker_count > 0,
                l.t("Brokers the controller has fenced (no heartbeat for broker.session.timeout.ms)", "被 controller 隔离的 broker 数（超过 broker.session.timeout.ms 没有心跳）")) }
            { tile("UnderReplicatedPartitions", m.under_replicated_partitions, m.under_replicated_partitions > 0,
                l.t("Partitions whose ISR is smaller than the replica set", "ISR 小于副本集合的分区数")) }
            { tile("UnderMinIsrPartitionCount", m.under_min_isr_partition_count, m.under_min_isr_partition_count > 0,
                l.t("Partitions whose ISR is smaller than min.insync.replicas: acks=all writes fail", "ISR 小于 min.insync.replicas 的分区数：acks=all 写入会失败")) }
            { tile("OfflinePartitionsCount", m.offline_partitions_count, m.offline_partitions_count > 0,
                l.t("Partitions without a leader: no reads or writes", "没有 leader 的分区数：无法读写")) }
        </section>
    }
}

/// The names of the controller processes (`controller-101`, …), in id order.
pub fn controller_names(s: &Snapshot) -> Vec<String> {
    if s.quorum.voters.is_empty() {
        return vec![super::quorum::controller_name(s.controller.node_id)];
    }
    s.quorum
        .voters
        .iter()
        .map(|v| super::quorum::controller_name(v.id))
        .collect()
}

/// Whether every link from `node` to every other node (brokers, controllers, producers) is cut.
pub fn is_isolated(s: &Snapshot, node: &str) -> bool {
    let others = s
        .brokers
        .iter()
        .map(|b| b.id.to_string())
        .chain(controller_names(s))
        .chain(s.producers.iter().map(|p| p.name.clone()))
        .filter(|o| o != node);
    let mut any = false;
    for o in others {
        any = true;
        if !super::network::is_cut(&s.network.cuts, node, &o) {
            return false;
        }
    }
    any
}

/// How many led partitions a broker card lists before "+N".
const LEADS_LISTED: usize = 8;
/// The partitions a broker leads, with Kafka's internal topics (`__consumer_offsets`: 50
/// partitions) counted instead of listed.
pub fn leads_of(s: &Snapshot, broker: kplay_engine::ids::BrokerId) -> Vec<String> {
    let mut out = Vec::new();
    for t in &s.topics {
        let led = t.partitions.iter().filter(|pv| pv.leader == Some(broker));
        if t.name.starts_with("__") {
            let n = led.count();
            if n > 0 {
                out.push(format!("{n} × {}", t.name));
            }
        } else {
            out.extend(led.map(|pv| pv.tp.to_string()));
        }
    }
    out
}

/// The slow-node choices: normal, a slow follower, a very slow one.
pub const SLOW_CHOICES_MS: [u64; 3] = [0, 50, 400];

#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    pub lang: Lang,
    pub snapshot: Rc<Snapshot>,
    pub send: Send,
    /// The controls a lesson step allows (`crash_broker`, `isolate_node`, …); `None` (the
    /// sandbox): every control. Broker actions not allowed are hidden.
    #[prop_or_default]
    pub allowed: Option<Rc<Vec<String>>>,
}

/// The broker cards, then the controller quorum and the broker registrations.
#[function_component(ClusterPanel)]
pub fn cluster_panel(p: &ClusterProps) -> Html {
    let l = p.lang;
    let s = &p.snapshot;
    let q = &s.quorum;
    let quorum = super::quorum::QuorumProps {
        lang: l,
        quorum: q.clone(),
        cuts: s.network.cuts.clone(),
        send: p.send.clone(),
    };
    let note = match l {
        Lang::En => format!(
            "KRaft mode · {} brokers · {} {}",
            s.brokers.len(),
            q.voters.len(),
            if q.voters.len() == 1 {
                "controller"
            } else {
                "controllers"
            }
        ),
        Lang::Zh => format!(
            "KRaft 模式 · {} 个 broker · {} 个 controller",
            s.brokers.len(),
            q.voters.len()
        ),
    };
    let single = q.voters.len() <= 1;
    html! {
        <section class="panel o-cluster" aria-labelledby="cluster-h">
            <div class="panel-head">
                <h2 id="cluster-h">{ l.t("Cluster", "集群") }</h2>
                <span class="panel-note">{ note }</span>
            </div>
            <super::quorum::FrozenBanner ..quorum.clone() />
            <div class="cluster-grid">
                { for s.brokers.iter().map(|b| {
                    // Internal topics (`__consumer_offsets`, 50 partitions) are counted, not listed.
                    let led = s.topics.iter()
                        .flat_map(|t| t.partitions.iter())
                        .filter(|pv| pv.leader == Some(b.id));
                    let internal = led.clone().filter(|pv| pv.tp.topic.starts_with("__")).count();
                    let mut leads: Vec<String> = led
                        .filter(|pv| !pv.tp.topic.starts_with("__"))
                        .map(|pv| pv.tp.to_string())
                        .collect();
                    if leads.len() > LEADS_LISTED {
                        let more = leads.len() - LEADS_LISTED;
                        leads.truncate(LEADS_LISTED);
                        leads.push(format!("+{more}"));
                    }
                    if internal > 0 {
                        leads.push(format!("{internal} × __consumer_offsets"));
                    }
                    let reg = s.controller.registrations.iter().find(|r| r.broker == b.id).cloned();
                    let name = b.id.to_string();
                    let isolated = is_isolated(s, &name);
                    let slow_ms = s.network.slow.iter().find(|(n, _)| *n == name).map(|(_, ms)| *ms).unwrap_or(0);
                    let cut_links = s.network.cuts.iter().filter(|(a, b2)| *a == name || *b2 == name).count();
                    html! { <BrokerCard lang={l} broker={b.clone()} registration={reg} leads={leads} {isolated} {slow_ms} {cut_links} send={p.send.clone()} allowed={p.allowed.clone()} key={b.id.0} /> }
                }) }
            </div>
            <div class={classes!("quorum", single.then_some("single"))} data-testid="quorum" aria-labelledby="quorum-h">
                <div class="quorum-head">
                    <h3 id="quorum-h">{ l.t("Controller quorum", "Controller 仲裁") }</h3>
                    <super::quorum::QuorumSummary ..quorum.clone() />
                </div>
                <div class="quorum-body">
                    <super::quorum::Voters ..quorum.clone() />
                    <Registrations lang={l} active={q.active_controller}
                        registrations={s.controller.registrations.clone()} />
                </div>
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct RegistrationsProps {
    pub lang: Lang,
    /// The active controller, if any.
    pub active: Option<u32>,
    pub registrations: Vec<RegistrationView>,
}

/// Who is registered, fenced, and how long since each heartbeat — as the active controller sees
/// it (with none active: the last committed image, which nobody is acting on).
#[function_component(Registrations)]
pub fn registrations(p: &RegistrationsProps) -> Html {
    let l = p.lang;
    let timeout = session_timeout_ms();
    let caption = match (p.active, l) {
        (Some(id), Lang::En) => format!("Broker registrations at controller-{id}"),
        (Some(id), Lang::Zh) => format!("controller-{id} 上的 broker 注册信息"),
        (None, Lang::En) => "Broker registrations · last committed · nobody fences".to_string(),
        (None, Lang::Zh) => "broker 注册信息 · 最近一次提交 · 无人执行隔离".to_string(),
    };
    html! {
        <div class={classes!("registrations", p.active.is_none().then_some("stale"))} data-testid="registrations">
            <table class="reg-table">
                <caption>{ caption }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ l.t("Broker", "Broker") }</th>
                        <th scope="col">{ "broker.epoch" }</th>
                        <th scope="col">{ l.t("State", "状态") }</th>
                        <th scope="col">{ l.t("Last heartbeat", "上次心跳") }</th>
                    </tr>
                </thead>
                <tbody>
                    { for p.registrations.iter().map(|r| {
                        let pct = (r.ms_since_heartbeat.min(timeout) * 100 / timeout.max(1)) as u32;
                        let late = r.ms_since_heartbeat > 2 * 2000 && !r.fenced;
                        html! {
                            <tr key={r.broker.0}>
                                <th scope="row">{ r.broker.to_string() }</th>
                                <td class="mono">{ r.broker_epoch }</td>
                                <td>
                                    if r.fenced {
                                        <span class="pill bad">{ l.t("fenced", "已隔离") }</span>
                                    } else {
                                        <span class="pill good">{ l.t("unfenced", "正常") }</span>
                                    }
                                </td>
                                <td>
                                    <div class="hb" title={format!("{} ms / broker.session.timeout.ms = {timeout}", r.ms_since_heartbeat)}>
                                        <div class={classes!("hb-bar", late.then_some("late"), r.fenced.then_some("fenced"))}
                                             style={format!("transform:scaleX({:.3})", pct as f64 / 100.0)}></div>
                                    </div>
                                    <span class="mono small">{ format!("{:.1} s", r.ms_since_heartbeat as f64 / 1000.0) }</span>
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct BrokerProps {
    pub lang: Lang,
    pub broker: BrokerView,
    pub registration: Option<RegistrationView>,
    /// Partitions this broker leads.
    pub leads: Vec<String>,
    /// Every link to this broker is cut.
    pub isolated: bool,
    /// `SlowNode` extra latency (0 = normal).
    pub slow_ms: u64,
    /// How many cut links touch this broker.
    pub cut_links: usize,
    pub send: Send,
    /// See [`ClusterProps::allowed`].
    #[prop_or_default]
    pub allowed: Option<Rc<Vec<String>>>,
}

/// One broker: process state, fencing state, leaderships, crash / restart.
#[function_component(BrokerCard)]
pub fn broker_card(p: &BrokerProps) -> Html {
    let l = p.lang;
    let b = &p.broker;
    let id = b.id.0;
    // The unavailable action is aria-disabled rather than disabled, so a keyboard user who just
    // pressed Crash keeps focus on the button instead of being dropped back to the page.
    let alive = b.alive;
    let on_crash = {
        let send = p.send.clone();
        Callback::from(move |_| {
            if alive {
                send.command(Command::CrashBroker { broker: id })
            }
        })
    };
    let on_restart = {
        let send = p.send.clone();
        Callback::from(move |_| {
            if !alive {
                send.command(Command::RestartBroker { broker: id })
            }
        })
    };
    let (state_class, state_text) = match (b.alive, b.fenced) {
        (true, false) => ("up", l.t("Running", "运行中")),
        (true, true) => ("starting", l.t("Running · fenced", "运行中 · 已隔离")),
        (false, false) => ("down", l.t("Crashed · not yet fenced", "已宕机 · 尚未隔离")),
        (false, true) => ("down", l.t("Crashed · fenced", "已宕机 · 已隔离")),
    };
    let name = b.id.to_string();
    let isolated = p.isolated;
    let on_isolate = {
        let send = p.send.clone();
        let node = name.clone();
        Callback::from(move |_| {
            if !isolated {
                send.command(Command::IsolateNode { node: node.clone() })
            }
        })
    };
    let on_slow = {
        let send = p.send.clone();
        let node = name.clone();
        Callback::from(move |e: Event| {
            let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>() else {
                return;
            };
            if let Ok(ms) = sel.value().parse::<u64>() {
                send.command(Command::SlowNode {
                    node: node.clone(),
                    extra_latency_ms: ms,
                });
            }
        })
    };
    let slow_label = format!("{} {name}", l.t("Network speed of", "网络速度："));
    let may = |c: &str| p.allowed.as_ref().is_none_or(|a| a.iter().any(|x| x == c));
    let (may_crash, may_restart) = (may("crash_broker"), may("restart_broker"));
    let (may_isolate, may_slow) = (may("isolate_node"), may("slow_node"));
    html! {
        <article class={classes!("card", "broker", state_class)} data-testid={format!("broker-{id}")}
            aria-label={format!("{name}: {state_text}")}>
            <header class="card-head">
                <span class={classes!("node-icon", state_class)} aria-hidden="true">{ id }</span>
                <div>
                    <h3>{ name.clone() }</h3>
                    <p class={classes!("status", state_class)} data-testid={format!("broker-state-{id}")}>
                        <span class="status-dot" aria-hidden="true"></span>{ state_text }
                    </p>
                    if p.cut_links > 0 || p.slow_ms > 0 {
                        <p class="net-pills" data-testid={format!("broker-net-{id}")}>
                            if isolated {
                                <span class="pill bad">{ l.t("✂ isolated", "✂ 网络隔离") }</span>
                            } else if p.cut_links > 0 {
                                <span class="pill bad">{ format!("✂ {} {}", p.cut_links, if p.cut_links == 1 { l.t("link cut", "条链路已切断") } else { l.t("links cut", "条链路已切断") }) }</span>
                            }
                            if p.slow_ms > 0 {
                                <span class="pill warn">{ format!("+{} ms", p.slow_ms) }</span>
                            }
                        </p>
                    }
                </div>
            </header>
            <dl class="kv">
                <dt>{ "broker.epoch" }</dt>
                <dd class="mono">{ p.registration.as_ref().map(|r| r.broker_epoch.to_string()).unwrap_or_else(|| "—".into()) }</dd>
                <dt>{ l.t("Leader of", "担任 leader") }</dt>
                <dd class="mono">
                    if p.leads.is_empty() { { "—" } } else { { p.leads.join(", ") } }
                </dd>
            </dl>
            if may_crash || may_restart {
            <div class="card-actions">
                if may_crash {
                <button class="btn danger small" onclick={on_crash} aria-disabled={(!b.alive).to_string()}
                    data-testid={format!("crash-{id}")} aria-label={format!("{} {name}", l.t("Crash", "宕掉"))}>
                    { l.t("Crash", "宕机") }
                </button>
                }
                if may_restart {
                <button class="btn small" onclick={on_restart} aria-disabled={b.alive.to_string()}
                    data-testid={format!("restart-{id}")} aria-label={format!("{} {name}", l.t("Restart", "重启"))}>
                    { l.t("Restart", "重启") }
                </button>
                }
            </div>
            }
            if may_isolate || may_slow {
            <div class="card-net">
                if may_isolate {
                <button class="btn small" onclick={on_isolate} aria-disabled={isolated.to_string()}
                    data-testid={format!("isolate-{id}")}
                    title={l.t("Cut every link to this broker (IsolateNode): the controller fences it after broker.session.timeout.ms (9 s). “Heal network” undoes it.", "切断这个 broker 的所有连线（IsolateNode）：controller 在 broker.session.timeout.ms（9 秒）后隔离它。“恢复网络”可撤销。")}
                    aria-label={format!("{} {name}", l.t("Isolate", "网络隔离"))}>
                    { if isolated { l.t("Isolated", "已隔离网络") } else { l.t("Isolate", "网络隔离") } }
                </button>
                }
                if may_slow {
                <label class="slow-select" title={l.t("Extra latency on every envelope to or from this broker (SlowNode): a slow follower lags and, past replica.lag.time.max.ms (30 s), leaves the ISR", "该 broker 收发的每个请求都增加延迟（SlowNode）：慢 follower 会落后，超过 replica.lag.time.max.ms（30 秒）后被移出 ISR")}>
                    <span class="sr-only">{ slow_label }</span>
                    <select data-testid={format!("slow-{id}")} onchange={on_slow}>
                        { for SLOW_CHOICES_MS.iter().map(|ms| html! {
                            <option value={ms.to_string()} selected={*ms == p.slow_ms}>
                                { if *ms == 0 { l.t("normal speed", "正常速度").to_string() } else { format!("+{ms} ms") } }
                            </option>
                        }) }
                        if !SLOW_CHOICES_MS.contains(&p.slow_ms) {
                            <option value={p.slow_ms.to_string()} selected=true>{ format!("+{} ms", p.slow_ms) }</option>
                        }
                    </select>
                </label>
                }
            </div>
            }
        </article>
    }
}
