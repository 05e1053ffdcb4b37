//! The guided version of the notes' Min ISR example. Each step is ticked by what actually
//! happened in the simulation (the checklist is the check), plus the list of simplifications.

use crate::i18n::Lang;
use crate::state::{Guide, NetGuide};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GuideProps {
    pub lang: Lang,
    pub progress: Guide,
    /// The running brokers following the first partition's leader (what to crash next).
    pub followers: Vec<u32>,
}

/// The concrete clicks for each step, naming the actual follower brokers.
fn try_lines(l: Lang, followers: &[u32]) -> [String; 4] {
    let name = |i: usize| {
        followers
            .get(i)
            .map(|b| format!("broker-{b}"))
            .unwrap_or_else(|| l.t("a follower", "一个 follower").to_string())
    };
    match l {
        Lang::En => [
            "Press “Produce a record”.".to_string(),
            format!("Crash {}, press +10 s, then produce.", name(0)),
            format!("Crash {}, press +10 s, then produce.", name(0)),
            "Set acks to 1, then produce.".to_string(),
        ],
        Lang::Zh => [
            "点击“发送一条消息”。".to_string(),
            format!("宕掉 {}，点“快进 10 秒”，再发送。", name(0)),
            format!("宕掉 {}，点“快进 10 秒”，再发送。", name(0)),
            "把 acks 设为 1，再发送。".to_string(),
        ],
    }
}

/// "RF=3, min.insync.replicas=2" walk-through.
#[function_component(GuidePanel)]
pub fn guide_panel(p: &GuideProps) -> Html {
    let l = p.lang;
    let g = p.progress;
    let steps: [(bool, &str, &str); 4] = [
        (
            g.acks_all_ok,
            l.t("Produce with acks=all", "用 acks=all 发送"),
            l.t(
                "All 3 replicas are in the ISR, so the leader and its followers acknowledge: you get an offset.",
                "3 个副本都在 ISR 中，leader 和 follower 都确认：你会拿到一个 offset。",
            ),
        ),
        (
            g.ok_with_one_down,
            l.t("Crash one follower, wait, produce again", "宕掉一个 follower，等待，再发送"),
            l.t(
                "Press +10 s: after broker.session.timeout.ms the controller fences it and shrinks the ISR to 2 — still ≥ min.insync.replicas, so it succeeds.",
                "点 +10 秒：超过 broker.session.timeout.ms 后 controller 隔离它，ISR 缩小到 2 —— 仍然 ≥ min.insync.replicas，所以成功。",
            ),
        ),
        (
            g.not_enough_replicas,
            l.t("Crash a second broker → NOT_ENOUGH_REPLICAS", "再宕掉一个 broker → NOT_ENOUGH_REPLICAS"),
            l.t(
                "Once the ISR is just the leader, acks=all writes are refused: safety over availability.",
                "ISR 只剩 leader 时，acks=all 的写入被拒绝：安全优先于可用性。",
            ),
        ),
        (
            g.acks_one_ok_after,
            l.t("Switch acks to 1 → succeeds", "把 acks 改成 1 → 成功"),
            l.t(
                "acks=1 only waits for the leader, so the write is accepted — but it lives on one broker until the others return.",
                "acks=1 只等 leader，所以写入被接受 —— 但在其他 broker 恢复前，它只存在于一个 broker 上。",
            ),
        ),
    ];
    let done = steps.iter().filter(|s| s.0).count();
    let tries = try_lines(l, &p.followers);
    html! {
        <section class="panel guide o-guide" aria-labelledby="guide-h" data-testid="guide">
            <div class="panel-head">
                <h2 id="guide-h">{ l.t("Guided example: Min ISR", "引导示例：Min ISR") }</h2>
                <span class="panel-note">{ format!("{done}/4") }</span>
            </div>
            <p class="muted small">
                { l.t("From the notes: RF=3, min.insync.replicas=2 — the production standard.", "来自笔记：RF=3，min.insync.replicas=2 —— 生产环境标准配置。") }
            </p>
            <ol class="steps">
                { for steps.iter().enumerate().map(|(i, (ok, title, body))| html! {
                    <li class={classes!("step", ok.then_some("done"))}>
                        <span class="step-no" aria-hidden="true">{ if *ok { "✓".to_string() } else { (i + 1).to_string() } }</span>
                        <div>
                            <p class="step-title">
                                { *title }
                                if *ok { <span class="sr-only">{ l.t(" (done)", "（已完成）") }</span> }
                            </p>
                            <p class="step-body">{ *body }</p>
                            if !*ok {
                                <p class="step-try"><span class="step-try-label">{ l.t("Try", "操作") }</span>{ tries[i].clone() }</p>
                            }
                        </div>
                    </li>
                }) }
            </ol>
            <aside class="simplifications" aria-labelledby="simpl-h">
                <h3 id="simpl-h">{ l.t("Simplifications in this version", "本版本的简化") }</h3>
                <ul>
                    <li>{ l.t("The active controller pushes committed metadata to brokers (real brokers fetch __cluster_metadata themselves); the voter set is static.", "活跃 controller 把已提交的元数据推送给 broker（真实的 broker 自己拉取 __cluster_metadata）；投票者集合是固定的。") }</li>
                    <li>{ l.t("The producer sends one record per request: no batching, no retries yet.", "producer 每个请求只发一条消息：暂时没有批处理和重试。") }</li>
                    <li>{ l.t("Clients read metadata from the controller instantly.", "客户端从 controller 即时读取元数据。") }</li>
                </ul>
            </aside>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct NetGuideProps {
    pub lang: Lang,
    pub progress: NetGuide,
    /// The controller's current leader of the scenario's first partition.
    pub leader: Option<u32>,
}

/// "Network partition": cut the leader from the controller, watch a new leader get elected while
/// the old one still believes it leads, heal, watch it step down. Ticked only by engine data.
#[function_component(NetGuidePanel)]
pub fn net_guide_panel(p: &NetGuideProps) -> Html {
    let l = p.lang;
    let g = p.progress;
    let old = g
        .cut_leader
        .or(p.leader)
        .map(|b| format!("broker-{b}"))
        .unwrap_or_else(|| l.t("the leader", "leader").to_string());
    let steps: [(bool, String, &str, String); 3] = [
        (
            g.cut_leader.is_some(),
            l.t("Cut the leader from the controller", "切断 leader 与 controller 的连接").to_string(),
            l.t(
                "Its heartbeats are lost silently: the controller only notices when broker.session.timeout.ms (9 s) passes without one.",
                "它的心跳被悄悄丢失：controller 只有在 broker.session.timeout.ms（9 秒）内没收到心跳时才会察觉。",
            ),
            match l {
                Lang::En => format!("In “On the wire”, click the link between {old} and the controller."),
                Lang::Zh => format!("在“网络”图中，点击 {old} 与 controller 之间的连线。"),
            },
        ),
        (
            g.stale_seen,
            l.t("+10 s → fenced, a new leader, and a stale one", "+10 秒 → 被隔离、新 leader、过期 leader").to_string(),
            l.t(
                "The controller fences it and elects a new leader with a higher leader epoch. The cut broker never hears of it and keeps acting as leader of the old epoch (⚠ thinks it leads).",
                "controller 隔离它，并以更高的 leader epoch 选出新 leader。被切断的 broker 收不到通知，仍以旧 epoch 的 leader 身份行事（⚠ 自认为是 leader）。",
            ),
            l.t("Press +10 s.", "点“+10 秒”。").to_string(),
        ),
        (
            g.rejoined,
            l.t("Heal → it steps down and rejoins the ISR", "恢复网络 → 它退位并重新加入 ISR").to_string(),
            l.t(
                "Once connected it registers again, learns the new epoch, becomes a follower, truncates what the new leader never had, catches up and is added back to the ISR.",
                "连通后它重新注册、得知新 epoch、成为 follower，截断新 leader 没有的数据，追上进度后重新加入 ISR。",
            ),
            l.t("Press “Heal network”, then +10 s.", "点“恢复网络”，再点“+10 秒”。").to_string(),
        ),
    ];
    let done = g.done();
    html! {
        <section class="panel guide o-guide" aria-labelledby="guide-net-h" data-testid="guide-net">
            <div class="panel-head">
                <h2 id="guide-net-h">{ l.t("Guided example: network partition", "引导示例：网络分区") }</h2>
                <span class="panel-note" data-testid="guide-net-progress">{ format!("{done}/3") }</span>
            </div>
            <ol class="steps">
                { for steps.iter().enumerate().map(|(i, (ok, title, body, try_line))| html! {
                    <li class={classes!("step", ok.then_some("done"))}>
                        <span class="step-no" aria-hidden="true">{ if *ok { "✓".to_string() } else { (i + 1).to_string() } }</span>
                        <div>
                            <p class="step-title">
                                { title.clone() }
                                if *ok { <span class="sr-only">{ l.t(" (done)", "（已完成）") }</span> }
                            </p>
                            <p class="step-body">{ *body }</p>
                            if !*ok {
                                <p class="step-try"><span class="step-try-label">{ l.t("Try", "操作") }</span>{ try_line.clone() }</p>
                            }
                        </div>
                    </li>
                }) }
            </ol>
        </section>
    }
}
