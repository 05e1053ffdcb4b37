//! Lesson share links: a lesson run is fully determined by (lesson, the step it started at, the
//! learner's inputs), so a link carries exactly that — versioned and strictly validated like the
//! run links of the parent module, whose command codes it reuses.
//!
//! Format (in the URL fragment): `#lesson=v1/<lesson-id>/<step>/<at_ms>/<input>,<input>,…`
//!
//! - `<step>`: the step (1-based) the run starts at: the lesson's starting scenario, then that
//!   step begun (its demo runs) — what `?lesson=<id>` (step 1) or the embed's `step=` open.
//! - `<at_ms>`: the simulated time to open at.
//! - an input is `<ms>:<action>` (times never go back). Actions are the run links' codes
//!   (`c2` crash broker 2, `rc` restart the controller, `x1c` cut, `h` heal, …) wherever one
//!   means exactly the same command in this lesson's cluster ([`scope`]), plus:
//!   - `g<n>`: go to step `n` (1-based; "Next", "Back" or a step dot — its demo runs),
//!   - `y<choice>`: lock in the prediction `<choice>` (a choice id of the current step; its
//!     decisive action runs),
//!   - `z`: "Show me" (the current step's reference solution),
//!   - `j<base64url>`: any other command, as the JSON the worker receives (unpadded base64url,
//!     so chat tools leave it alone), for the lesson controls' free values (topic names, record
//!     values, config keys) the short codes cannot carry. It is checked like everything else:
//!     bounded strings and counts, nothing but data.
//!
//! Errors carry both languages ([`LinkError`]): the page shows the reader's.

use super::{check_version, parse_action, parse_ms, Scope, MAX_INPUTS, MAX_LINK_CHARS};
use kplay_engine::lesson::Lesson;
use kplay_engine::Command;
use serde::{Deserialize, Serialize};

/// The fragment prefix.
pub const PREFIX: &str = "#lesson=";

/// The longest string a `j…` command may hold (a record value, a topic name, a config value).
pub const MAX_TEXT: usize = 200;

/// The most partitions a `j…` command may create (as for run links' `n…`).
pub const MAX_PARTITIONS: u32 = super::MAX_PARTITIONS;

/// The most records a `j…` `perf_test` may send.
pub const MAX_PERF_RECORDS: u64 = 100_000;

/// One learner input of a lesson run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LessonInput {
    /// Go to a step (0-based): its demo runs.
    Step(usize),
    /// Lock in a prediction (a choice id of the current step).
    Predict(String),
    /// "Show me": the current step's reference solution.
    Solve,
    /// A command from the step's controls or the cluster panel.
    Command(Command),
}

/// A decoded lesson link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonLink {
    pub lesson: String,
    /// The step the run starts at (0-based).
    pub step: usize,
    /// The simulated time to open at.
    pub at_ms: u64,
    /// The inputs with the simulated ms they were made at.
    pub inputs: Vec<(u64, LessonInput)>,
}

impl LessonLink {
    /// The step shown once every input ran (0-based).
    pub fn current_step(&self) -> usize {
        self.inputs
            .iter()
            .filter_map(|(_, i)| match i {
                LessonInput::Step(s) => Some(*s),
                _ => None,
            })
            .last()
            .unwrap_or(self.step)
    }
}

/// Why a lesson link cannot be opened, in English and 中文.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkError {
    pub en: String,
    pub zh: String,
}

impl LinkError {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> LinkError {
        LinkError {
            en: kplay_engine::scenario::printable(en.into()),
            zh: kplay_engine::scenario::printable(zh.into()),
        }
    }

    /// The reason in a language (`en` / `zh`).
    pub fn get(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::En => &self.en,
            crate::i18n::Lang::Zh => &self.zh,
        }
    }
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

/// The scope of a lesson's codes: its starting scenario's brokers and controllers, the first
/// topic and producer it creates, its consumers.
pub fn scope(lesson: &Lesson) -> Scope {
    let spec = &lesson.scenario.cluster;
    let mut topic = None;
    let mut producer = None;
    let mut consumers = Vec::new();
    for c in &lesson.scenario.setup {
        match c {
            Command::CreateTopic { name, .. } if topic.is_none() => topic = Some(name.clone()),
            Command::AddProducer { name, .. } if producer.is_none() => {
                producer = Some(name.clone())
            }
            Command::AddConsumer { name, .. } => consumers.push(name.clone()),
            _ => {}
        }
    }
    Scope {
        brokers: spec.brokers.clone(),
        controllers: if spec.controllers.is_empty() {
            vec![crate::demo::DEFAULT_CONTROLLER]
        } else {
            spec.controllers.clone()
        },
        topic: topic.unwrap_or_default(),
        producer: producer.unwrap_or_default(),
        consumers,
        noun: "record".to_string(),
    }
}

/// The code of one input: a run-link code when it decodes to exactly this command in the
/// lesson's scope (`produced` counts the `p` codes before it, as the decoder does), else `j…`.
fn input_code(scope: &Scope, input: &LessonInput, produced: &mut usize) -> String {
    match input {
        LessonInput::Step(s) => format!("g{}", s + 1),
        LessonInput::Predict(c) => format!("y{c}"),
        LessonInput::Solve => "z".to_string(),
        LessonInput::Command(c) => {
            if let Some(code) = super::code(c) {
                let mut n = *produced;
                if parse_action(scope, &code, &mut n).as_ref() == Ok(c) {
                    *produced = n;
                    return code;
                }
            }
            let json = serde_json::to_string(c).unwrap_or_default();
            format!("j{}", base64url(json.as_bytes()))
        }
    }
}

/// Encodes a lesson run as a URL fragment (with [`PREFIX`]). Fails (in both languages) when
/// the run has more inputs than a link may carry or the link would be too long.
pub fn encode(
    lesson: &Lesson,
    step: usize,
    at_ms: u64,
    inputs: &[(u64, LessonInput)],
) -> Result<String, LinkError> {
    if inputs.len() > MAX_INPUTS {
        return Err(LinkError::new(
            format!("this run has {} inputs; a link carries at most {MAX_INPUTS} — share a step instead (open the step again and share it)", inputs.len()),
            format!("这次运行有 {} 个输入，链接最多只能带 {MAX_INPUTS} 个——请改为分享单独的一步（重新打开这一步再分享）", inputs.len()),
        ));
    }
    let scope = scope(lesson);
    let mut produced = 0;
    let list: Vec<String> = inputs
        .iter()
        .map(|(at, i)| format!("{at}:{}", input_code(&scope, i, &mut produced)))
        .collect();
    let link = format!(
        "{PREFIX}{}/{}/{}/{at_ms}/{}",
        super::VERSION,
        lesson.id,
        step + 1,
        list.join(",")
    );
    let chars = link.chars().count();
    if chars > MAX_LINK_CHARS {
        return Err(LinkError::new(
            format!("the link would be {chars} characters long; links are at most {MAX_LINK_CHARS} (browsers and chat tools cut longer addresses) — share a step instead (open the step again and share it)"),
            format!("链接会有 {chars} 个字符，链接最多 {MAX_LINK_CHARS} 个字符（浏览器和聊天工具会截断更长的地址）——请改为分享单独的一步（重新打开这一步再分享）"),
        ));
    }
    Ok(link)
}

/// A link's body without its `#lesson=` prefix (what the embed's `run=` takes for a lesson).
pub fn body(fragment: &str) -> &str {
    fragment.trim_start_matches(PREFIX)
}

/// Up to 40 characters of untrusted text, for quoting in a reason.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Decodes a URL fragment (`#lesson=v1/…`). `find` looks a lesson up by id. Every part is
/// checked; the first problem is the error.
pub fn decode<'a>(
    fragment: &str,
    find: impl Fn(&str) -> Option<&'a Lesson>,
) -> Result<LessonLink, LinkError> {
    let chars = fragment.chars().count();
    if chars > MAX_LINK_CHARS {
        return Err(LinkError::new(
            format!("the link is {chars} characters long; a lesson link is at most {MAX_LINK_CHARS} (browsers and chat tools cut longer addresses), so this one was pasted twice or changed by hand"),
            format!("这个链接有 {chars} 个字符；课程链接最多 {MAX_LINK_CHARS} 个字符（浏览器和聊天工具会截断更长的地址），所以它可能被粘贴了两次或被手动改过"),
        ));
    }
    // A chat tool or wiki may have %-escaped the `:` and `,` (no code contains `%`).
    let decoded;
    let fragment = if fragment.contains('%') {
        decoded = crate::embed::percent_decode(fragment).map_err(|e| {
            LinkError::new(
                format!("the link is damaged: {e}"),
                format!("链接已损坏：{e}"),
            )
        })?;
        decoded.as_str()
    } else {
        fragment
    };
    let body = fragment.strip_prefix(PREFIX).ok_or_else(|| {
        LinkError::new(
            "not a Kafka Playground lesson link",
            "这不是 Kafka Playground 的课程链接",
        )
    })?;
    let parts: Vec<&str> = body.split('/').collect();
    if let Some(version) = parts.first() {
        check_version(version).map_err(|e| {
            let zh = match version.strip_prefix('v').and_then(|n| n.parse::<u32>().ok()) {
                Some(n) if n > 1 => format!("这个链接由更新版本的 Kafka Playground 生成（链接版本 v{n}）；这里只能读取 {} 链接——请在生成它的网站上打开", super::VERSION),
                _ => format!("“{}” 不是链接版本（应为 {}）", shown(version), super::VERSION),
            };
            LinkError::new(e, zh)
        })?;
    }
    let [_, id, step, at, list] = parts.as_slice() else {
        return Err(LinkError::new(
            format!("a lesson link has 5 parts: version/lesson/step/time/inputs, this one has {} (it may be cut off)", parts.len()),
            format!("课程链接有 5 个部分：版本/课程/步骤/时间/输入，这个链接有 {} 个（可能被截断了）", parts.len()),
        ));
    };
    let lesson = find(id).ok_or_else(|| {
        LinkError::new(
            format!("there is no lesson “{}” in this Kafka Playground (the link was changed, or made by another version)", shown(id)),
            format!("这个 Kafka Playground 里没有课程 “{}”（链接被改过，或由其他版本生成）", shown(id)),
        )
    })?;
    let steps = lesson.steps.len();
    let parse_step = |s: &str| -> Option<usize> {
        let canonical =
            !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0');
        s.parse::<usize>()
            .ok()
            .filter(|n| canonical && (1..=steps).contains(n))
            .map(|n| n - 1)
    };
    let first = parse_step(step).ok_or_else(|| {
        LinkError::new(
            format!(
                "“{}” is not a step of lesson {} (it has steps 1 … {steps})",
                shown(step),
                lesson.id
            ),
            format!(
                "“{}” 不是课程 {} 的步骤（它有第 1 … {steps} 步）",
                shown(step),
                lesson.id
            ),
        )
    })?;
    let at_ms = parse_ms(at, "the time").map_err(|e| {
        LinkError::new(
            e,
            format!("时间 “{}” 不是 0 … 3600000 之间的毫秒数", shown(at)),
        )
    })?;
    let scope = scope(lesson);
    let mut inputs = Vec::new();
    let mut produced = 0;
    let mut last = 0;
    let mut cur = first;
    // The current step's prediction has been answered (by `y` or by "Show me").
    let mut answered = false;
    for (i, item) in list.split(',').filter(|s| !s.is_empty()).enumerate() {
        let n = i + 1;
        let bad = |en: String, zh: String| {
            LinkError::new(format!("input {n}: {en}"), format!("第 {n} 个输入：{zh}"))
        };
        if i >= MAX_INPUTS {
            return Err(LinkError::new(
                format!("more than {MAX_INPUTS} inputs"),
                format!("输入超过 {MAX_INPUTS} 个"),
            ));
        }
        let Some((ms, action)) = item.split_once(':') else {
            return Err(bad(
                format!("“{}” is not <ms>:<action>", shown(item)),
                format!("“{}” 不是 <毫秒>:<动作>", shown(item)),
            ));
        };
        let ms = parse_ms(ms, "its time").map_err(|e| {
            bad(
                e,
                format!("时间 “{}” 不是 0 … 3600000 之间的毫秒数", shown(ms)),
            )
        })?;
        if ms < last {
            return Err(bad(
                format!("{ms} ms is earlier than the input before it ({last} ms)"),
                format!("{ms} ms 早于前一个输入（{last} ms）"),
            ));
        }
        last = ms;
        let step = &lesson.steps[cur];
        let mut chars = action.chars();
        let input = match chars.next() {
            Some('g') => {
                let arg = chars.as_str();
                let s = parse_step(arg).ok_or_else(|| {
                    bad(
                        format!(
                            "“{}” is not a step of this lesson (1 … {steps})",
                            shown(arg)
                        ),
                        format!("“{}” 不是这一课的步骤（1 … {steps}）", shown(arg)),
                    )
                })?;
                cur = s;
                answered = false;
                LessonInput::Step(s)
            }
            Some('y') => {
                let choice = chars.as_str();
                let Some(p) = &step.predict else {
                    return Err(bad(
                        format!("step {} has no prediction to make", cur + 1),
                        format!("第 {} 步没有要做的预测", cur + 1),
                    ));
                };
                if answered {
                    return Err(bad(
                        format!("step {}'s prediction was already answered", cur + 1),
                        format!("第 {} 步的预测已经回答过了", cur + 1),
                    ));
                }
                if !p.choices.iter().any(|c| c.id == choice) {
                    let ids: Vec<&str> = p.choices.iter().map(|c| c.id.as_str()).collect();
                    return Err(bad(
                        format!(
                            "“{}” is not a choice of step {} ({})",
                            shown(choice),
                            cur + 1,
                            ids.join(", ")
                        ),
                        format!(
                            "“{}” 不是第 {} 步的选项（{}）",
                            shown(choice),
                            cur + 1,
                            ids.join(", ")
                        ),
                    ));
                }
                answered = true;
                LessonInput::Predict(choice.to_string())
            }
            Some('z') if chars.as_str().is_empty() => {
                if step.solution.is_empty() && step.predict.is_none() {
                    return Err(bad(
                        format!("step {} has no “Show me”", cur + 1),
                        format!("第 {} 步没有“演示给我看”", cur + 1),
                    ));
                }
                answered = true;
                LessonInput::Solve
            }
            Some('j') => {
                LessonInput::Command(generic(chars.as_str()).map_err(|(en, zh)| bad(en, zh))?)
            }
            _ => LessonInput::Command(
                parse_action(&scope, action, &mut produced)
                    .map_err(|e| bad(e, format!("无法识别的动作 “{}”", shown(action))))?,
            ),
        };
        inputs.push((ms, input));
    }
    Ok(LessonLink {
        lesson: lesson.id.clone(),
        step: first,
        at_ms,
        inputs,
    })
}

/// Decodes and checks a `j…` command.
fn generic(b64: &str) -> Result<Command, (String, String)> {
    let bytes = unbase64url(b64).ok_or_else(|| {
        (
            "a j… command is not base64url (the link may be cut off or changed)".to_string(),
            "j… 命令不是 base64url 编码（链接可能被截断或改过）".to_string(),
        )
    })?;
    let command: Command = serde_json::from_slice(&bytes).map_err(|_| {
        (
            "a j… command is not a command of this Kafka Playground".to_string(),
            "j… 命令不是这个 Kafka Playground 的命令".to_string(),
        )
    })?;
    check_command(&command).map_err(|(en, zh)| {
        (
            format!("{}: {en}", command.name()),
            format!("{}：{zh}", command.name()),
        )
    })?;
    Ok(command)
}

/// The bounds of a shared command: strings of at most [`MAX_TEXT`] printable characters, and
/// the same bounds as run links for what costs time or memory (partitions, latency,
/// `linger.ms`, `batch.size`, perf-test records), so a hostile link cannot hang the tab.
pub fn check_command(c: &Command) -> Result<(), (String, String)> {
    let text = |s: &str| -> Result<(), (String, String)> {
        if s.chars().count() > MAX_TEXT || s.chars().any(char::is_control) {
            return Err((
                format!("a text is longer than {MAX_TEXT} characters or has control characters"),
                format!("文本超过 {MAX_TEXT} 个字符或含有控制字符"),
            ));
        }
        Ok(())
    };
    let range = |what: &str, n: u64, max: u64| -> Result<(), (String, String)> {
        if n > max {
            return Err((
                format!("{what} {n} is beyond {max}"),
                format!("{what} {n} 超过了 {max}"),
            ));
        }
        Ok(())
    };
    let map = |m: &std::collections::BTreeMap<String, String>| -> Result<(), (String, String)> {
        range("configs", m.len() as u64, 32)?;
        for (k, v) in m {
            text(k)?;
            text(v)?;
        }
        Ok(())
    };
    match c {
        Command::CreateTopic {
            name,
            partitions,
            replication_factor,
            configs,
        } => {
            text(name)?;
            range("partitions", *partitions as u64, MAX_PARTITIONS as u64)?;
            range("replication.factor", *replication_factor as u64, 16)?;
            map(configs)
        }
        Command::CreatePartitions { topic, count } => {
            text(topic)?;
            range("partitions", *count as u64, MAX_PARTITIONS as u64)
        }
        Command::ElectLeaders {
            topic, partition, ..
        } => {
            text(topic)?;
            range("partition", *partition as u64, MAX_PARTITIONS as u64)
        }
        Command::AlterTopicConfig { topic, key, value } => {
            text(topic)?;
            text(key)?;
            text(value)
        }
        Command::AddProducer { name, configs } => {
            text(name)?;
            map(configs)
        }
        Command::AlterProducerConfig {
            producer,
            key,
            value,
        } => {
            text(producer)?;
            text(key)?;
            text(value)?;
            if let Some((_, _, _, max)) = super::PRODUCER_CONFIGS.iter().find(|p| p.1 == key) {
                if let Ok(n) = value.trim().parse::<u64>() {
                    range(key, n, *max)?;
                }
            }
            Ok(())
        }
        Command::Produce {
            producer,
            topic,
            partition,
            key,
            value,
        } => {
            text(producer)?;
            text(topic)?;
            range(
                "partition",
                partition.unwrap_or(0) as u64,
                MAX_PARTITIONS as u64,
            )?;
            text(key.as_deref().unwrap_or(""))?;
            text(value.as_deref().unwrap_or(""))
        }
        Command::PerfTest {
            producer,
            topic,
            num_records,
            record_size,
            ..
        } => {
            text(producer)?;
            text(topic)?;
            range("num-records", *num_records, MAX_PERF_RECORDS)?;
            range("record-size", *record_size as u64, super::MAX_BATCH_SIZE)
        }
        Command::InitTransactions { producer }
        | Command::BeginTransaction { producer }
        | Command::CommitTransaction { producer }
        | Command::AbortTransaction { producer } => text(producer),
        Command::AddConsumer {
            name,
            topics,
            configs,
        } => {
            text(name)?;
            range("topics", topics.len() as u64, 16)?;
            for t in topics {
                text(t)?;
            }
            map(configs)
        }
        Command::CrashConsumer { consumer }
        | Command::CloseConsumer { consumer }
        | Command::StopPolling { consumer }
        | Command::ResumePolling { consumer } => text(consumer),
        Command::Seek {
            consumer,
            topic,
            partition,
            ..
        } => {
            text(consumer)?;
            text(topic)?;
            range("partition", *partition as u64, MAX_PARTITIONS as u64)
        }
        Command::SeekToBeginning {
            consumer,
            topic,
            partition,
        }
        | Command::SeekToEnd {
            consumer,
            topic,
            partition,
        } => {
            text(consumer)?;
            text(topic.as_deref().unwrap_or(""))?;
            range(
                "partition",
                partition.unwrap_or(0) as u64,
                MAX_PARTITIONS as u64,
            )
        }
        Command::PartitionNetwork { a, b } => {
            text(a)?;
            text(b)
        }
        Command::IsolateNode { node } => text(node),
        Command::SlowNode {
            node,
            extra_latency_ms,
        } => {
            text(node)?;
            range("extra latency (ms)", *extra_latency_ms, super::MAX_SLOW_MS)
        }
        Command::CrashBroker { .. }
        | Command::RestartBroker { .. }
        | Command::CrashController { .. }
        | Command::RestartController { .. }
        | Command::HealNetwork
        | Command::HoldEnvelope { .. }
        | Command::ReleaseEnvelope { .. }
        | Command::DropEnvelope { .. } => Ok(()),
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url (RFC 4648 §5).
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (*b as u32) << (16 - 8 * i));
        for i in 0..chunk.len() + 1 {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes unpadded base64url; `None` for anything else (padding, other characters, a length
/// no encoder writes, non-zero trailing bits).
pub fn unbase64url(s: &str) -> Option<Vec<u8>> {
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = B64.iter().position(|b| b == c)? as u32;
            n |= v << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1;
        for i in 0..bytes {
            out.push((n >> (16 - 8 * i) & 0xff) as u8);
        }
    }
    // Non-zero unused bits: not what an encoder writes (every text has one encoding).
    (base64url(&out) == s).then_some(out)
}
