//! The guided version of the notes' Min ISR example. Each step is ticked by what actually
//! happened in the simulation (the checklist is the check), plus the list of simplifications.

use crate::i18n::Lang;
use crate::state::{Guide, NetGuide, QuorumGuide};
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
                    <li>{ l.t("A Produce request carries one partition's batch (Kafka packs every ready partition of a broker into one request); no compression, no buffer.memory back-pressure.", "一个 Produce 请求只携带一个分区的批次（Kafka 会把同一 broker 上所有就绪分区打包进一个请求）；没有压缩，也没有 buffer.memory 背压。") }</li>
                    <li>{ l.t("The producer refreshes its metadata from the committed cluster image (after retry.backoff.ms) instead of sending a Metadata request.", "producer 从已提交的集群元数据直接刷新（等待 retry.backoff.ms 后），而不是发送 Metadata 请求。") }</li>
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
            { guide_steps(l, &steps) }
        </section>
    }
}

/// A guide's numbered steps: (done, title, explanation, what to try).
fn guide_steps(l: Lang, steps: &[(bool, String, &str, String)]) -> Html {
    html! {
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
    }
}

#[derive(Properties, PartialEq)]
pub struct QuorumGuideProps {
    pub lang: Lang,
    pub progress: QuorumGuide,
    /// The active controller now, if any.
    pub active: Option<u32>,
}

/// "Controller quorum": crash the active controller and watch a failover, crash a second one and
/// watch metadata freeze, restart one and watch the quorum recover. Ticked only by engine data.
#[function_component(QuorumGuidePanel)]
pub fn quorum_guide_panel(p: &QuorumGuideProps) -> Html {
    let l = p.lang;
    let g = p.progress;
    let name = |id: Option<u32>, fallback: (&'static str, &'static str)| {
        id.map(|c| format!("controller-{c}"))
            .unwrap_or_else(|| l.t(fallback.0, fallback.1).to_string())
    };
    let first = name(
        g.crashed_active.or(p.active),
        ("the active controller", "活跃 controller"),
    );
    let second = name(
        g.failover.or(p.active),
        ("the new active controller", "新的活跃 controller"),
    );
    let steps: [(bool, String, &str, String); 4] = [
        (
            g.crashed_active.is_some(),
            l.t("Crash the active controller", "宕掉活跃 controller").to_string(),
            l.t(
                "It is the quorum leader: the only controller that writes metadata. The other two are hot standbys replicating __cluster_metadata.",
                "它是仲裁 leader：唯一写元数据的 controller。另外两个是复制 __cluster_metadata 的热备。",
            ),
            match l {
                Lang::En => format!("Press Crash on {first} (★ Active controller)."),
                Lang::Zh => format!("点击 {first}（★ 活跃 controller）上的“宕机”。"),
            },
        ),
        (
            g.failover.is_some(),
            l.t("A standby takes over", "热备接管").to_string(),
            l.t(
                "After controller.quorum.fetch.timeout.ms (2 s) without an answer a follower asks for pre-votes, then votes in a new epoch; 2 of 3 is a majority. The winner commits a LeaderChangeMessage and becomes active; brokers follow the NOT_CONTROLLER hint.",
                "follower 在 controller.quorum.fetch.timeout.ms（2 秒）内收不到响应后先请求预投票，再在新 epoch 中投票；3 个中的 2 个就是多数派。胜者提交一条 LeaderChangeMessage 后成为活跃 controller；broker 根据 NOT_CONTROLLER 的提示转向它。",
            ),
            l.t("Keep playing, or press +1 s, and watch the quorum line.", "继续播放或点“+1 秒”，观察仲裁那一行。").to_string(),
        ),
        (
            g.frozen,
            l.t("Crash a second one → metadata frozen", "再宕掉一个 → 元数据冻结").to_string(),
            l.t(
                "1 of 3 is not a majority: nobody can be elected and nothing can be committed. Produce still works while the ISR holds; adding partitions times out.",
                "3 个中的 1 个不是多数派：谁也选不上，什么也提交不了。只要 ISR 不变，produce 照常工作；增加分区会超时。",
            ),
            match l {
                Lang::En => format!("Crash {second}, then +10 s. Try Produce and Add partitions."),
                Lang::Zh => format!("宕掉 {second}，再点“+10 秒”。试试发送消息和增加分区。"),
            },
        ),
        (
            g.recovered,
            l.t("Restart one → the quorum recovers", "重启一个 → 仲裁恢复").to_string(),
            l.t(
                "2 of 3 running is a majority again: an election in a new epoch, and the restarted voter catches up on the metadata log from the leader.",
                "2 个在运行又构成多数派：在新 epoch 中选举，重启的投票者从 leader 追上元数据日志。",
            ),
            l.t("Press Restart on either crashed controller.", "在任意一个已宕机的 controller 上点“重启”。").to_string(),
        ),
    ];
    let done = g.done();
    html! {
        <section class="panel guide o-guide" aria-labelledby="guide-quorum-h" data-testid="guide-quorum">
            <div class="panel-head">
                <h2 id="guide-quorum-h">{ l.t("Guided example: controller quorum", "引导示例：controller 仲裁") }</h2>
                <span class="panel-note" data-testid="guide-quorum-progress">{ format!("{done}/4") }</span>
            </div>
            { guide_steps(l, &steps) }
        </section>
    }
}
