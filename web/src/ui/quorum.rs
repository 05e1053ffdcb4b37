//! The KRaft controller quorum: one card per voter (role, epoch, metadata LEO / HW, vote, the
//! active controller), the quorum's arithmetic in one line, a calm banner while no controller is
//! active, and the `__cluster_metadata` log with its high watermark.
//!
//! Everything is read from `Snapshot.quorum`; crash / restart send `CrashController` /
//! `RestartController` like any other fault (STYLE.md: faults are ordinary commands).

use super::Send;
use crate::i18n::Lang;
use kplay_engine::snapshot::{MetaRecordView, QuorumView, VoterView};
use kplay_engine::Command;
use yew::prelude::*;

/// The node name the engine and the network view use for a controller.
pub fn controller_name(id: u32) -> String {
    format!("controller-{id}")
}

/// How many voters are running.
pub fn running(q: &QuorumView) -> usize {
    q.voters.iter().filter(|v| v.alive).count()
}

/// `1 voter` / `3 voters`, `tolerates 0 failures` / `tolerates 1 failure`, in the page language.
fn plural(l: Lang, n: usize, one: &'static str, many: &'static str, zh: &'static str) -> String {
    match l {
        Lang::En => format!("{n} {}", if n == 1 { one } else { many }),
        Lang::Zh => format!("{n} {zh}"),
    }
}

/// The header line: `quorum: 3 voters · majority 2 · tolerates 1 failure · epoch 2 · active
/// controller-102` (or `active none (metadata frozen)`).
pub fn summary_text(l: Lang, q: &QuorumView) -> String {
    let voters = plural(l, q.voters.len(), "voter", "voters", "个投票者");
    let active = match (q.active_controller, l) {
        (Some(id), Lang::En) => format!("active {}", controller_name(id)),
        (Some(id), Lang::Zh) => format!("活跃 {}", controller_name(id)),
        (None, Lang::En) => "active none (metadata frozen)".to_string(),
        (None, Lang::Zh) => "活跃：无（元数据冻结）".to_string(),
    };
    let failures = q.failures_tolerated as usize;
    match l {
        Lang::En => format!(
            "quorum: {voters} · majority {} · tolerates {} · epoch {} · {active}",
            q.majority,
            plural(l, failures, "failure", "failures", ""),
            q.epoch
        ),
        Lang::Zh => format!(
            "仲裁：{voters} · 多数派 {} · 可容忍 {failures} 个故障 · epoch {} · {active}",
            q.majority, q.epoch
        ),
    }
}

/// A voter's role as (CSS class, badge text, explanation).
fn role_text(l: Lang, v: &VoterView) -> (&'static str, &'static str, &'static str) {
    // Kafka's state names (`LeaderState`, `FollowerState`, …) stay untranslated, like HW and ISR.
    match v.role.as_deref() {
        None => (
            "r-down",
            l.t("down", "宕机"),
            l.t(
                "The process is down. Its metadata log, epoch and vote are on disk and survive; it catches up when restarted.",
                "进程已停止。它的元数据日志、epoch 和投票都在磁盘上，重启后会追上进度。",
            ),
        ),
        Some("leader") => (
            "r-leader",
            "leader",
            l.t(
                "Quorum leader of this epoch: appends metadata records and advances the HW once a majority of voters has them.",
                "本 epoch 的仲裁 leader：追加元数据记录，多数投票者拿到后推进 HW。",
            ),
        ),
        Some("follower") => (
            "r-follower",
            "follower",
            l.t(
                "Fetches __cluster_metadata-0 from the leader and replays committed records: a hot standby controller.",
                "从 leader 拉取 __cluster_metadata-0 并回放已提交的记录：热备 controller。",
            ),
        ),
        Some("candidate") => (
            "r-candidate",
            "candidate",
            l.t(
                "Asking the other voters for their votes in a new epoch; it needs a majority.",
                "在新的 epoch 中请求其他投票者投票；需要多数派。",
            ),
        ),
        Some("prospective") => (
            "r-prospective",
            "prospective",
            l.t(
                "Lost its leader: asking for pre-votes before starting an election, so a voter that is merely cut off cannot disrupt a working quorum (KIP-996).",
                "与 leader 失联：正式选举前先请求预投票，避免只是网络断开的投票者打扰正常工作的仲裁（KIP-996）。",
            ),
        ),
        Some("unattached") => (
            "r-unattached",
            "unattached",
            l.t(
                "Knows no leader in this epoch yet; waits for one or for its election timeout.",
                "在本 epoch 还不知道 leader；等待 leader 出现或选举超时。",
            ),
        ),
        Some("resigned") => (
            "r-resigned",
            "resigned",
            l.t(
                "A former leader that gave up its epoch (check-quorum: a majority stopped fetching from it); it waits for the next election.",
                "放弃了本 epoch 的前任 leader（check-quorum：多数派不再向它拉取）；等待下一次选举。",
            ),
        ),
        Some(_) => ("r-unattached", "?", ""),
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct QuorumProps {
    pub lang: Lang,
    pub quorum: QuorumView,
    /// `snapshot.network.cuts`, for the per-controller network pills.
    pub cuts: Vec<(String, String)>,
    pub send: Send,
}

/// The quorum header line (`data-testid="quorum-summary"`, `data-active`, `data-epoch`).
#[function_component(QuorumSummary)]
pub fn quorum_summary(p: &QuorumProps) -> Html {
    let l = p.lang;
    let q = &p.quorum;
    let active = q
        .active_controller
        .map(|id| id.to_string())
        .unwrap_or_else(|| "none".to_string());
    html! {
        <p class={classes!("quorum-summary", q.active_controller.is_none().then_some("frozen"))}
            data-testid="quorum-summary" data-active={active} data-epoch={q.epoch.to_string()}
            title={l.t("A KRaft quorum of N voters needs a majority (N/2 + 1) to elect a leader and to commit metadata, so it survives (N − 1)/2 failed controllers.",
                "N 个投票者的 KRaft 仲裁需要多数派（N/2 + 1）才能选出 leader 和提交元数据，因此能容忍 (N − 1)/2 个 controller 故障。")}>
            { summary_text(l, q) }
        </p>
    }
}

/// The banner shown while no controller is active (`data-testid="quorum-frozen"`).
#[function_component(FrozenBanner)]
pub fn frozen_banner(p: &QuorumProps) -> Html {
    let l = p.lang;
    let q = &p.quorum;
    if q.active_controller.is_some() || q.voters.is_empty() {
        return html! {};
    }
    let up = running(q);
    let n = q.voters.len();
    let majority = q.majority as usize;
    let why = if up < majority {
        match l {
            Lang::En => format!(
                "Only {up} of {n} controllers {} running — fewer than the majority of {majority} needed to elect a quorum leader and commit metadata. Restart a controller to get a majority back.",
                if up == 1 { "is" } else { "are" }
            ),
            Lang::Zh => format!(
                "{n} 个 controller 中只有 {up} 个在运行，少于选出仲裁 leader、提交元数据所需的多数派（{majority} 个）。重启一个 controller 即可恢复多数派。"
            ),
        }
    } else {
        match l {
            Lang::En => format!(
                "{up} of {n} controllers are running, enough for a majority of {majority}: an election is under way. The winner becomes active once it has committed a record of its own epoch."
            ),
            Lang::Zh => format!(
                "{n} 个 controller 中有 {up} 个在运行，够多数派（{majority} 个）：正在选举。胜者提交一条自己 epoch 的记录后成为活跃 controller。"
            ),
        }
    };
    html! {
        <div class={classes!("quorum-frozen", (up < majority).then_some("no-majority"))} role="status" data-testid="quorum-frozen">
            <span class="frozen-icon" aria-hidden="true">
                <svg viewBox="0 0 20 20" width="20" height="20"><path d="M10 2v16M3 6l14 8M3 14l14-8M8 3.5 10 5l2-1.5M8 16.5 10 15l2 1.5" /></svg>
            </span>
            <div class="frozen-body">
                <p class="frozen-title">{ l.t("No active controller — the cluster metadata is frozen", "没有活跃的 controller —— 集群元数据已冻结") }</p>
                <p>{ why }</p>
                <ul class="frozen-list">
                    <li class="frozen-no">{ l.t("No leader elections, no ISR changes (AlterPartition waits), no fencing or registering of brokers.", "不会有 leader 选举、ISR 变更（AlterPartition 只能等待），也不会隔离或注册 broker。") }</li>
                    <li class="frozen-no">{ l.t("No new topics, partitions or config changes: Admin requests time out (REQUEST_TIMED_OUT).", "不能创建 topic、增加分区或修改配置：Admin 请求会超时（REQUEST_TIMED_OUT）。") }</li>
                    <li class="frozen-yes">{ l.t("Data already flowing continues: partition leaders keep taking writes and followers keep replicating — as far as the current ISR allows.", "已经在流动的数据照常进行：分区 leader 继续接受写入，follower 继续复制 —— 只要当前 ISR 允许。") }</li>
                </ul>
            </div>
        </div>
    }
}

/// One card per voter, crash / restart on each.
#[function_component(Voters)]
pub fn voters(p: &QuorumProps) -> Html {
    html! {
        <div class={classes!("voters", (p.quorum.voters.len() == 1).then_some("single"))}>
            { for p.quorum.voters.iter().map(|v| {
                let name = controller_name(v.id);
                let cut_links = p.cuts.iter().filter(|(a, b)| *a == name || *b == name).count();
                html! { <VoterCard lang={p.lang} voter={v.clone()} {cut_links} send={p.send.clone()} key={v.id} /> }
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct VoterProps {
    pub lang: Lang,
    pub voter: VoterView,
    /// How many cut links touch this controller.
    pub cut_links: usize,
    pub send: Send,
}

/// One voter of the quorum.
#[function_component(VoterCard)]
pub fn voter_card(p: &VoterProps) -> Html {
    let l = p.lang;
    let v = &p.voter;
    let id = v.id;
    let name = controller_name(id);
    let alive = v.alive;
    // As on the broker cards: the unavailable action is aria-disabled, so focus stays put.
    let on_crash = {
        let send = p.send.clone();
        Callback::from(move |_| {
            if alive {
                send.command(Command::CrashController { controller: id })
            }
        })
    };
    let on_restart = {
        let send = p.send.clone();
        Callback::from(move |_| {
            if !alive {
                send.command(Command::RestartController { controller: id })
            }
        })
    };
    let (role_class, role, role_help) = role_text(l, v);
    // Only a follower has a leader it fetches from; the others keep the last epoch's leader on
    // record but are looking for a new one.
    let leader_known = v.leader.filter(|_| v.role.as_deref() == Some("follower"));
    let voted = v
        .voted_for
        .map(controller_name)
        .unwrap_or_else(|| "—".to_string());
    let state = if v.active {
        l.t("active controller", "活跃 controller")
    } else {
        role
    };
    let label = format!("{name}: {state}, epoch {}", v.epoch);
    let (crash_label, restart_label) = if v.combined {
        (
            l.t("Crash node", "宕掉节点"),
            l.t("Restart node", "重启节点"),
        )
    } else {
        (l.t("Crash", "宕掉"), l.t("Restart", "重启"))
    };
    html! {
        <article class={classes!("card", "voter", role_class, v.active.then_some("is-active"))}
            data-testid={format!("controller-{id}")} data-role={v.role.clone().unwrap_or_else(|| "down".into())}
            data-active={v.active.to_string()} aria-label={label}>
            if v.active {
                <p class="active-ribbon" data-testid={format!("active-mark-{id}")}>
                    <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true"><path d="M8 1.5l1.9 4 4.4.5-3.3 3 .9 4.3L8 11.1l-3.9 2.2.9-4.3-3.3-3 4.4-.5z" /></svg>
                    { l.t("Active controller", "活跃 controller") }
                </p>
            }
            <header class="card-head">
                <span class={classes!("node-icon", "ctrl", role_class)} aria-hidden="true">{ "C" }</span>
                <div class="voter-title">
                    <h3>{ name.clone() }</h3>
                    <p class="voter-badges">
                        <span class={classes!("role-badge", role_class)} title={role_help} data-testid={format!("controller-role-{id}")}>{ role }</span>
                        if v.combined {
                            <span class="tag" title={l.t("process.roles=broker,controller: crashing it crashes the broker too", "process.roles=broker,controller：宕掉它也会宕掉同一进程里的 broker")}>{ "broker,controller" }</span>
                        }
                        if p.cut_links > 0 {
                            <span class="pill bad">{ format!("✂ {}", p.cut_links) }</span>
                        }
                    </p>
                </div>
            </header>
            <dl class="kv voter-kv">
                <dt>{ "epoch" }</dt>
                <dd class="mono">{ v.epoch }</dd>
                <dt title={l.t("The voter's __cluster_metadata-0: log end offset / high watermark (committed below it)", "该投票者的 __cluster_metadata-0：日志末端 offset / 高水位（其下为已提交）")}>
                    { l.t("metadata LEO / HW", "元数据 LEO / HW") }
                </dt>
                <dd class="mono">
                    { v.log_end_offset }{ " / " }
                    if v.alive {
                        { v.high_watermark }
                    } else {
                        <span class="muted" title={l.t("The HW is not stored on disk: a restarted voter learns it from the leader", "HW 不落盘：重启后的投票者从 leader 那里得知")}>{ "—" }</span>
                    }
                </dd>
                <dt title={l.t("votedFor in the quorum-state file: one vote per epoch, kept across restarts", "quorum-state 文件中的 votedFor：每个 epoch 只投一票，重启后仍保留")}>
                    { l.t("voted for", "投票给") }
                </dt>
                <dd class="mono">{ voted }</dd>
                if let Some(leader) = leader_known {
                    <dt>{ l.t("follows", "跟随") }</dt>
                    <dd class="mono">{ controller_name(leader) }</dd>
                }
            </dl>
            <div class="card-actions">
                <button class="btn danger small" onclick={on_crash} aria-disabled={(!alive).to_string()}
                    data-testid={format!("crash-controller-{id}")} aria-label={format!("{crash_label} {name}")}>
                    { l.t("Crash", "宕机") }
                </button>
                <button class="btn small" onclick={on_restart} aria-disabled={alive.to_string()}
                    data-testid={format!("restart-controller-{id}")} aria-label={format!("{restart_label} {name}")}>
                    { l.t("Restart", "重启") }
                </button>
            </div>
        </article>
    }
}

/// Which voter's log the snapshot shows: the running leader, else the longest running log
/// (the engine's `quorum_view` picks it the same way).
fn log_source(q: &QuorumView) -> Option<u32> {
    q.voters
        .iter()
        .filter(|v| v.alive)
        .max_by_key(|v| {
            (
                v.role.as_deref() == Some("leader"),
                v.log_end_offset,
                std::cmp::Reverse(v.id),
            )
        })
        .map(|v| v.id)
}

/// The colour family of a metadata record type.
fn record_class(record: &str) -> &'static str {
    match record {
        "LeaderChangeMessage" => "rec-leader",
        "RegisterBrokerRecord" | "BrokerRegistrationChangeRecord" => "rec-broker",
        "TopicRecord" | "PartitionRecord" => "rec-topic",
        "PartitionChangeRecord" => "rec-partition",
        _ => "rec-other",
    }
}

#[derive(Properties, PartialEq)]
pub struct MetadataLogProps {
    pub lang: Lang,
    pub quorum: QuorumView,
}

/// Whether the page is phone-sized (the metadata log starts folded there).
fn narrow_screen() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(max-width: 640px)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// The last records of `__cluster_metadata-0`, newest first, with the HW between uncommitted and
/// committed records.
#[function_component(MetadataLog)]
pub fn metadata_log(p: &MetadataLogProps) -> Html {
    let l = p.lang;
    let q = &p.quorum;
    // Folded on a phone, open elsewhere; afterwards the learner's choice sticks (Yew only
    // touches `open` when this initial value changes, and it never does).
    let open = use_state(|| !narrow_screen());
    let leo = q.log.last().map(|r| r.offset + 1).unwrap_or(0);
    let hw = q
        .log
        .iter()
        .filter(|r| r.committed)
        .map(|r| r.offset + 1)
        .max()
        .unwrap_or(q.high_watermark.min(leo));
    let uncommitted: Vec<&MetaRecordView> = q.log.iter().rev().filter(|r| !r.committed).collect();
    let committed: Vec<&MetaRecordView> = q.log.iter().rev().filter(|r| r.committed).collect();
    let source = log_source(q);
    let row = |r: &&MetaRecordView| {
        html! {
            <li key={r.offset} class={classes!("meta-rec", if r.committed { "committed" } else { "uncommitted" })}
                data-testid={format!("meta-{}", r.offset)} data-committed={r.committed.to_string()}>
                <span class="meta-off mono">{ r.offset }</span>
                <span class={classes!("meta-epoch", format!("ep{}", r.epoch % 6))} title={format!("epoch {}", r.epoch)}>{ format!("e{}", r.epoch) }</span>
                <span class={classes!("meta-type", record_class(&r.record))}>{ r.record.clone() }</span>
                <span class="meta-sum mono" title={r.summary.clone()}>{ r.summary.clone() }</span>
                if !r.committed {
                    <span class="meta-state" title={l.t("Not yet on a majority of voters: brokers do not see it, and a new leader may truncate it", "还没到达多数投票者：broker 看不到它，新 leader 可能会截断它")}>
                        { l.t("uncommitted", "未提交") }
                    </span>
                }
            </li>
        }
    };
    let ontoggle = {
        let open = open.clone();
        Callback::from(move |e: Event| {
            if let Some(d) = e.target_dyn_into::<web_sys::HtmlDetailsElement>() {
                open.set(d.open());
            }
        })
    };
    html! {
        <section class="panel o-metalog metalog" data-testid="metadata-log" aria-labelledby="metalog-h">
            <details open={*open} {ontoggle}>
                <summary class="metalog-head">
                    <span class="metalog-chevron" aria-hidden="true"></span>
                    <h2 id="metalog-h">{ l.t("Metadata log", "元数据日志") }</h2>
                    <span class="panel-note mono">{ format!("__cluster_metadata-0 · HW {hw} · LEO {leo}") }</span>
                </summary>
                <p class="small muted metalog-help">
                    { l.t("Every metadata change is a record in this Raft log. It takes effect — brokers see it, Admin calls return — only once a majority of voters has it: below the HW.",
                        "每一次元数据变更都是这个 Raft 日志中的一条记录。只有多数投票者都拿到（位于 HW 之下）时它才生效 —— broker 才能看到，Admin 请求才会返回。") }
                    if let Some(id) = source.filter(|_| q.voters.len() > 1) {
                        { match l {
                            Lang::En => format!(" Shown: {}'s copy.", controller_name(id)),
                            Lang::Zh => format!(" 显示的是 {} 上的副本。", controller_name(id)),
                        } }
                    }
                </p>
                if q.log.is_empty() {
                    <p class="empty">{ l.t("No controller is running: the log is on their disks.", "没有运行中的 controller：日志保存在它们的磁盘上。") }</p>
                } else {
                    <ol class="meta-records" aria-label={l.t("Newest record first", "最新的记录在前")}>
                        { for uncommitted.iter().map(row) }
                        <li class={classes!("meta-hw", uncommitted.is_empty().then_some("at-end"))} data-testid="metadata-hw" aria-label={format!("HW {hw}")}>
                            <span class="meta-hw-tag">{ format!("HW {hw}") }</span>
                            <span class="meta-hw-text">
                                { if uncommitted.is_empty() {
                                    l.t("every record is committed", "所有记录都已提交")
                                } else {
                                    l.t("committed below · waiting for a majority above", "其下已提交 · 其上等待多数派")
                                } }
                            </span>
                        </li>
                        { for committed.iter().map(row) }
                    </ol>
                }
            </details>
        </section>
    }
}
