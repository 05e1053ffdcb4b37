//! Embed mode: one widget of the playground in an iframe (`?embed=<widget>&…`), for team docs.
//!
//! Everything here is pure Rust (no browser API), so the parameter and message rules are tested
//! natively (`web/tests/native.rs`, `web/tests/fuzz_link.rs`). The page (`ui/embed.rs`) reads the
//! query string with [`parse_query`], renders the widget, posts [`Outbound`] events to the
//! embedding page and accepts only the [`Inbound`] messages [`parse_inbound`] lets through.
//! docs/embed.md is the user-facing description of the same rules.
//!
//! A parameter that does not parse is an error with a readable reason (shown in the widget
//! instead of the simulation), never silently ignored — a docs page that asks for a control that
//! does not exist should say so, not show a different widget.

use crate::demo::Preset;
use crate::i18n::Lang;
use crate::link::lesson::LessonLink;
use crate::link::{self, RunLink};
use serde_json::{Map, Value};

/// The version of the message schema ([`Outbound`] carries it as `version`).
pub const MESSAGE_VERSION: u32 = 1;

/// Every outbound message has `source: "kafka-playground"`, so a page with other iframes can
/// tell ours apart.
pub const MESSAGE_SOURCE: &str = "kafka-playground";

/// The longest query string an embed URL may have (a run link is at most
/// [`link::MAX_LINK_CHARS`] of it).
pub const MAX_QUERY_CHARS: usize = link::MAX_LINK_CHARS + 2_048;

/// The longest caption (`note=`), in characters.
pub const MAX_NOTE_CHARS: usize = 600;

/// The longest widget id (`id=`): letters, digits, `-` and `_`.
pub const MAX_ID_CHARS: usize = 64;

/// The widget an embed shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Widget {
    /// The brokers, the controller quorum and the partitions' replica logs.
    Cluster,
    /// `acks` / `min.insync.replicas`, Produce, the produce results and the partition's ISR.
    Producer,
    /// The consumer groups: members, assignment, committed offsets and lag.
    Group,
    /// One step of a lesson, with its checklist and controls.
    Lesson,
}

impl Widget {
    pub const ALL: [Widget; 4] = [
        Widget::Cluster,
        Widget::Producer,
        Widget::Group,
        Widget::Lesson,
    ];

    /// The `embed=` value.
    pub fn id(self) -> &'static str {
        match self {
            Widget::Cluster => "cluster",
            Widget::Producer => "producer",
            Widget::Group => "group",
            Widget::Lesson => "lesson",
        }
    }

    pub fn from_id(s: &str) -> Option<Widget> {
        Widget::ALL.into_iter().find(|w| w.id() == s)
    }

    /// The controls a widget exposes when `controls=` is not given.
    pub fn default_controls(self) -> Vec<Control> {
        use Control::*;
        match self {
            Widget::Cluster => vec![CrashBroker, RestartBroker, Produce, Time],
            Widget::Producer => vec![Acks, MinIsr, Produce, CrashBroker, RestartBroker, Time],
            Widget::Group => vec![Produce, CrashConsumer, CrashBroker, RestartBroker, Time],
            Widget::Lesson => vec![Time],
        }
    }

    /// The scenario a widget starts from when neither `scenario=` nor `run=` is given.
    pub fn default_preset(self) -> Preset {
        match self {
            Widget::Group => Preset::Groups,
            _ => Preset::Payments,
        }
    }

    /// A plain iframe's height in CSS px for the widget at desktop width (what `embed.js` starts
    /// with before the widget's first `resize` message): a fixed iframe that is too short cuts
    /// the widget off behind an inner scroll bar.
    pub fn iframe_height(self) -> u32 {
        match self {
            Widget::Cluster => 940,
            Widget::Producer => 760,
            Widget::Group => 1400,
            Widget::Lesson => 1400,
        }
    }

    /// The iframe title the loader gives the widget (the page's `<title>` says the same).
    pub fn title(self, l: Lang) -> &'static str {
        match self {
            Widget::Cluster => l.t(
                "Kafka Playground: a simulated Kafka cluster",
                "Kafka Playground：模拟的 Kafka 集群",
            ),
            Widget::Producer => l.t(
                "Kafka Playground: acks and min.insync.replicas",
                "Kafka Playground：acks 与 min.insync.replicas",
            ),
            Widget::Group => l.t(
                "Kafka Playground: a consumer group",
                "Kafka Playground：消费者组",
            ),
            Widget::Lesson => l.t(
                "Kafka Playground: a lesson step",
                "Kafka Playground：课程的一步",
            ),
        }
    }
}

/// A control an embed can expose (`controls=acks,min.insync.replicas`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// The producer's `acks`.
    Acks,
    /// The topic's `min.insync.replicas`.
    MinIsr,
    /// "Produce a record".
    Produce,
    /// The record key field.
    Key,
    /// "Produce a stream".
    Stream,
    CrashBroker,
    RestartBroker,
    CrashConsumer,
    /// Play / pause, step, +10 s and the timeline.
    Time,
}

impl Control {
    pub const ALL: [Control; 9] = [
        Control::Acks,
        Control::MinIsr,
        Control::Produce,
        Control::Key,
        Control::Stream,
        Control::CrashBroker,
        Control::RestartBroker,
        Control::CrashConsumer,
        Control::Time,
    ];

    /// The `controls=` name: Kafka's config key for a config, else an action name.
    pub fn id(self) -> &'static str {
        match self {
            Control::Acks => "acks",
            Control::MinIsr => "min.insync.replicas",
            Control::Produce => "produce",
            Control::Key => "key",
            Control::Stream => "stream",
            Control::CrashBroker => "crash_broker",
            Control::RestartBroker => "restart_broker",
            Control::CrashConsumer => "crash_consumer",
            Control::Time => "time",
        }
    }

    pub fn from_id(s: &str) -> Option<Control> {
        Control::ALL.into_iter().find(|c| c.id() == s)
    }
}

/// `theme=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Follow the reader's `prefers-color-scheme`.
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub fn id(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// A parsed, validated embed URL.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbedConfig {
    pub widget: Widget,
    pub preset: Preset,
    /// `run=v1/…`: the exact run to show (a share link without its `#run=`).
    pub run: Option<RunLink>,
    /// `lesson=<id>` and `step=<n>` (0-based) for the lesson widget.
    pub lesson: Option<String>,
    pub step: usize,
    /// `run=v1/<lesson>/<step>/…` for the lesson widget: a lesson link's body (a run of the
    /// lesson to replay; `lesson` and `step` are then its lesson and the step it shows).
    pub lesson_run: Option<LessonLink>,
    /// What the reader may change; empty when `readonly`.
    pub controls: Vec<Control>,
    pub readonly: bool,
    pub autoplay: bool,
    /// Simulated ms per real ms (0.001 … 100).
    pub speed: f64,
    /// `t=<ms>`: open at this simulated time.
    pub start_ms: Option<u64>,
    pub lang: Option<Lang>,
    pub theme: Theme,
    /// `id=`: echoed in every outbound message so a page with several widgets tells them apart.
    pub id: String,
    /// `origin=`: the embedding page's origin. When set, messages go only to it and only its
    /// messages are accepted; otherwise messages go to any parent (`"*"`, they carry nothing but
    /// simulation state) and only the parent window's messages are accepted.
    pub origin: Option<String>,
    /// `note=`: a caption in the lesson-markdown subset, rendered safely.
    pub note: Option<String>,
}

impl EmbedConfig {
    /// Whether the reader may use a control.
    pub fn allows(&self, c: Control) -> bool {
        !self.readonly && self.controls.contains(&c)
    }

    /// The broker-card actions the cluster panel may show (`ClusterProps::allowed`).
    pub fn broker_actions(&self) -> Vec<String> {
        [Control::CrashBroker, Control::RestartBroker]
            .into_iter()
            .filter(|c| self.allows(*c))
            .map(|c| c.id().to_string())
            .collect()
    }
}

/// Decodes `%XX` escapes and `+` (a space) of one query component.
pub fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        // Byte-wise: the escape may be cut inside a multi-byte character (found
                        // by the fuzz test in web/tests/fuzz_link.rs).
                        let shown = String::from_utf8_lossy(&bytes[i..bytes.len().min(i + 3)]);
                        format!("“{shown}” is not a valid %-escape")
                    })?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "a parameter is not valid UTF-8".to_string())
}

/// Encodes a query component (the inverse of [`percent_decode`]): everything but unreserved
/// characters and the `/`, `:` and `,` of run links is escaped.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/:,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query's parameters, decoded, in order. A parameter given twice is an error (which one
/// would win is not obvious to whoever wrote the docs page).
pub fn query_pairs(query: &str) -> Result<Vec<(String, String)>, String> {
    let query = query.trim_start_matches('?');
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(format!(
            "the address is longer than {MAX_QUERY_CHARS} characters"
        ));
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let (k, v) = (percent_decode(k)?, percent_decode(v)?);
        if pairs.iter().any(|(seen, _)| *seen == k) {
            return Err(format!("the parameter “{k}” is given twice"));
        }
        pairs.push((k, v));
    }
    Ok(pairs)
}

/// Every parameter an embed URL may have.
pub const PARAMS: [&str; 16] = [
    "embed", "scenario", "preset", "run", "lesson", "step", "controls", "readonly", "autoplay",
    "speed", "t", "lang", "theme", "id", "origin", "note",
];

fn parse_bool(name: &str, v: &str) -> Result<bool, String> {
    match v {
        "" | "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err(format!("{name} is 1 or 0 (true or false), not “{v}”")),
    }
}

/// `http(s)://host[:port]` with nothing after it: what `MessageEvent.origin` looks like.
pub fn valid_origin(o: &str) -> bool {
    let Some(rest) = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty()
        && rest.len() <= 253
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '[' | ']'))
}

/// Parses an embed URL's query string (`?embed=producer&controls=acks,min.insync.replicas`).
/// `Ok(None)`: not an embed URL (no `embed` parameter). `lesson_steps` says how many steps a
/// bundled lesson has (`None`: no such lesson).
pub fn parse_query(
    query: &str,
    lesson_steps: impl Fn(&str) -> Option<usize>,
) -> Result<Option<EmbedConfig>, String> {
    parse_query_inner(query, lesson_steps).map_err(kplay_engine::scenario::printable)
}

fn parse_query_inner(
    query: &str,
    lesson_steps: impl Fn(&str) -> Option<usize>,
) -> Result<Option<EmbedConfig>, String> {
    let pairs = query_pairs(query)?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let Some(widget) = get("embed") else {
        return Ok(None);
    };
    if let Some((unknown, _)) = pairs.iter().find(|(k, _)| !PARAMS.contains(&k.as_str())) {
        return Err(format!(
            "unknown parameter “{unknown}” (known: {})",
            PARAMS.join(", ")
        ));
    }
    let widget = Widget::from_id(widget).ok_or_else(|| {
        format!("embed=“{widget}” is not a widget (cluster, producer, group or lesson)")
    })?;
    // The lesson widget's `run=` is a lesson link (`v1/<lesson>/<step>/<ms>/<inputs>`).
    let lesson_run = match (widget, get("run")) {
        (Widget::Lesson, Some(r)) => Some(
            link::lesson::decode(
                &format!("{}{r}", link::lesson::PREFIX),
                crate::lessons::find,
            )
            .map_err(|e| format!("the lesson link cannot be opened: {e}"))?,
        ),
        _ => None,
    };
    let run = match get("run") {
        None => None,
        Some(_) if widget == Widget::Lesson => None,
        Some(r) => Some(
            link::decode(&format!("{}{r}", link::PREFIX))
                .map_err(|e| format!("the run link cannot be opened: {e}"))?,
        ),
    };
    let scenario = get("scenario").or(get("preset"));
    let preset = match (scenario, &run) {
        (Some(s), _) => {
            let p = Preset::from_id(s).ok_or_else(|| {
                format!(
                    "scenario=“{s}” is not a scenario ({})",
                    Preset::ALL.map(|p| p.id()).join(", ")
                )
            })?;
            if let Some(r) = &run {
                if r.preset != p {
                    return Err(format!(
                        "scenario={s} but the run link is a {} run",
                        r.preset.id()
                    ));
                }
            }
            p
        }
        (None, Some(r)) => r.preset,
        (None, None) => widget.default_preset(),
    };
    let mut lesson = get("lesson").map(str::to_string);
    let mut step = 0;
    if let Some(lr) = &lesson_run {
        if lesson.as_ref().is_some_and(|l| *l != lr.lesson) || get("step").is_some() {
            return Err(format!(
                "the lesson link is a run of lesson {} at its own step: leave out lesson= and step= (or give lesson={})",
                lr.lesson, lr.lesson
            ));
        }
        if get("t").is_some() {
            return Err("give the time either in the lesson link or as t=, not both".to_string());
        }
        lesson = Some(lr.lesson.clone());
    }
    match (widget, &lesson) {
        (Widget::Lesson, None) => {
            return Err(
                "the lesson widget needs lesson=<id> (e.g. lesson=04-topics-partitions) or run=<a lesson link>"
                    .to_string(),
            )
        }
        (Widget::Lesson, Some(id)) => {
            let steps = lesson_steps(id).ok_or_else(|| format!("there is no lesson “{id}”"))?;
            if let Some(s) = get("step") {
                let n: usize = s
                    .parse()
                    .ok()
                    .filter(|n| (1..=steps).contains(n))
                    .ok_or_else(|| format!("step is 1 … {steps} for this lesson, not “{s}”"))?;
                step = n - 1;
            }
            if let Some(lr) = &lesson_run {
                step = lr.current_step();
            }
            if scenario.is_some() {
                return Err(
                    "a lesson step brings its own scenario: leave out scenario=".to_string(),
                );
            }
        }
        (_, Some(_)) => return Err("lesson= is only for embed=lesson".to_string()),
        (_, None) if get("step").is_some() => {
            return Err("step= is only for embed=lesson".to_string())
        }
        _ => {}
    }
    let readonly = get("readonly")
        .map(|v| parse_bool("readonly", v))
        .transpose()?
        .unwrap_or(false);
    let controls = match get("controls") {
        None => widget.default_controls(),
        Some("") => vec![],
        Some(list) => {
            let mut out = Vec::new();
            for name in list.split(',').map(str::trim) {
                let c = Control::from_id(name).ok_or_else(|| {
                    format!(
                        "“{name}” is not a control (known: {})",
                        Control::ALL.map(|c| c.id()).join(", ")
                    )
                })?;
                if !out.contains(&c) {
                    out.push(c);
                }
            }
            out
        }
    };
    if widget == Widget::Lesson && get("controls").is_some() {
        return Err("a lesson step brings its own controls: leave out controls=".to_string());
    }
    let controls = if readonly { vec![] } else { controls };
    let autoplay = get("autoplay")
        .map(|v| parse_bool("autoplay", v))
        .transpose()?
        .unwrap_or(true);
    let speed = match get("speed") {
        None => 1.0,
        Some(s) => s
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && (0.001..=100.0).contains(x))
            .ok_or_else(|| format!("speed is a factor from 0.001 to 100, not “{s}”"))?,
    };
    let start_ms = match get("t") {
        None => None,
        Some(t) => {
            let ms: u64 = t
                .parse()
                .map_err(|_| format!("t is a simulated time in ms, not “{t}”"))?;
            if ms > link::MAX_MS {
                return Err(format!("t={ms} is beyond 1 hour of simulated time"));
            }
            if run.is_some() {
                return Err("give the time either in the run link or as t=, not both".to_string());
            }
            Some(ms)
        }
    };
    let lang = match get("lang") {
        None => None,
        Some(l) => Some(Lang::from_code(l).ok_or_else(|| format!("lang is en or zh, not “{l}”"))?),
    };
    let theme = match get("theme") {
        None | Some("auto") => Theme::Auto,
        Some("light") => Theme::Light,
        Some("dark") => Theme::Dark,
        Some(t) => return Err(format!("theme is light, dark or auto, not “{t}”")),
    };
    let id = get("id").unwrap_or("").to_string();
    if id.chars().count() > MAX_ID_CHARS
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "id is up to {MAX_ID_CHARS} letters, digits, - and _"
        ));
    }
    let origin = match get("origin") {
        None => None,
        Some(o) if valid_origin(o) => Some(o.to_string()),
        Some(o) => {
            return Err(format!(
                "origin is the embedding page's origin (https://docs.example.com), not “{o}”"
            ))
        }
    };
    let note = match get("note") {
        None | Some("") => None,
        Some(n) if n.chars().count() > MAX_NOTE_CHARS => {
            return Err(format!(
                "the note is longer than {MAX_NOTE_CHARS} characters"
            ))
        }
        Some(n) => Some(n.to_string()),
    };
    Ok(Some(EmbedConfig {
        widget,
        preset,
        run,
        lesson,
        step,
        lesson_run,
        controls,
        readonly,
        autoplay,
        speed,
        start_ms,
        lang,
        theme,
        id,
        origin,
        note,
    }))
}

/// Builds the embed URL's query for a configuration (what "Copy embed code" writes); the same
/// configuration parses back ([`parse_query`]).
pub fn to_query(c: &EmbedConfig) -> String {
    let mut q = vec![format!("embed={}", c.widget.id())];
    match (&c.lesson, &c.run) {
        (Some(_), _) if c.lesson_run.is_some() => {
            if let Some(lr) = &c.lesson_run {
                q.push(format!("run={}", percent_encode(&lesson_run_body(lr))));
            }
        }
        (Some(lesson), _) => {
            q.push(format!("lesson={}", percent_encode(lesson)));
            q.push(format!("step={}", c.step + 1));
        }
        (None, Some(run)) => q.push(format!("run={}", percent_encode(&run_body(run)))),
        (None, None) => q.push(format!("scenario={}", c.preset.id())),
    }
    if c.readonly {
        q.push("readonly=1".to_string());
    } else if c.widget != Widget::Lesson && c.controls != c.widget.default_controls() {
        let names: Vec<&str> = c.controls.iter().map(|x| x.id()).collect();
        q.push(format!("controls={}", names.join(",")));
    }
    if !c.autoplay {
        q.push("autoplay=0".to_string());
    }
    if c.speed != 1.0 {
        q.push(format!("speed={}", c.speed));
    }
    if let Some(t) = c.start_ms {
        q.push(format!("t={t}"));
    }
    if let Some(l) = c.lang {
        q.push(format!("lang={}", l.code()));
    }
    if c.theme != Theme::Auto {
        q.push(format!("theme={}", c.theme.id()));
    }
    if !c.id.is_empty() {
        q.push(format!("id={}", c.id));
    }
    if let Some(o) = &c.origin {
        q.push(format!("origin={}", percent_encode(o)));
    }
    if let Some(n) = &c.note {
        q.push(format!("note={}", percent_encode(n)));
    }
    q.join("&")
}

/// A lesson link without its `#lesson=` prefix (what a lesson widget's `run=` takes).
pub fn lesson_run_body(lr: &LessonLink) -> String {
    let Some(lesson) = crate::lessons::find(&lr.lesson) else {
        return String::new();
    };
    link::lesson::encode(lesson, lr.step, lr.at_ms, &lr.inputs)
        .map(|l| link::lesson::body(&l).to_string())
        .unwrap_or_default()
}

/// A run link without its `#run=` prefix (what `run=` takes).
pub fn run_body(run: &RunLink) -> String {
    let codes: Vec<(u64, String)> = run
        .inputs
        .iter()
        .filter_map(|(at, c)| link::code(c).map(|code| (*at, code)))
        .collect();
    link::encode(run.preset, run.at_ms, &codes)
        .trim_start_matches(link::PREFIX)
        .to_string()
}

/// A message from the embedding page (see docs/embed.md, "Messages in").
#[derive(Clone, Debug, PartialEq)]
pub enum Inbound {
    Play,
    Pause,
    /// Let simulated time pass (1 … 60000 ms).
    Advance {
        ms: u64,
    },
    /// Produce one record (with a key, if given).
    Produce {
        key: Option<String>,
    },
    /// Set `acks` or `min.insync.replicas`.
    Set {
        key: String,
        value: String,
    },
    CrashBroker {
        broker: u32,
    },
    RestartBroker {
        broker: u32,
    },
    /// Ask for a `state` message.
    GetState,
}

impl Inbound {
    /// The control a message needs, if any (time needs none: pausing a widget is always fine).
    pub fn needs(&self) -> Option<Control> {
        match self {
            Inbound::Play | Inbound::Pause | Inbound::GetState => None,
            Inbound::Advance { .. } => Some(Control::Time),
            Inbound::Produce { .. } => Some(Control::Produce),
            Inbound::Set { key, .. } if key == "acks" => Some(Control::Acks),
            Inbound::Set { .. } => Some(Control::MinIsr),
            Inbound::CrashBroker { .. } => Some(Control::CrashBroker),
            Inbound::RestartBroker { .. } => Some(Control::RestartBroker),
        }
    }
}

/// The `type`s [`parse_inbound`] accepts.
pub const INBOUND_TYPES: [&str; 8] = [
    "play",
    "pause",
    "advance",
    "produce",
    "set",
    "crash-broker",
    "restart-broker",
    "get-state",
];

fn only_fields(obj: &Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    match obj
        .keys()
        .find(|k| *k != "type" && !allowed.contains(&k.as_str()))
    {
        Some(k) => Err(format!("unexpected field “{k}”")),
        None => Ok(()),
    }
}

fn broker_field(obj: &Map<String, Value>) -> Result<u32, String> {
    obj.get("broker")
        .and_then(Value::as_u64)
        .filter(|b| (1..=3).contains(b))
        .map(|b| b as u32)
        .ok_or_else(|| "broker is 1, 2 or 3".to_string())
}

/// Checks a message from the embedding page against the documented schema: an object with a
/// known `type` and exactly its fields, each of the right type and range. Anything else is
/// refused with the reason (posted back as a `rejected` message).
pub fn parse_inbound(data: &Value) -> Result<Inbound, String> {
    parse_inbound_inner(data).map_err(kplay_engine::scenario::printable)
}

fn parse_inbound_inner(data: &Value) -> Result<Inbound, String> {
    let obj = data
        .as_object()
        .ok_or_else(|| "a message is an object with a type".to_string())?;
    let ty = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| "a message needs a string type".to_string())?;
    let msg = match ty {
        "play" => Inbound::Play,
        "pause" => Inbound::Pause,
        "get-state" => Inbound::GetState,
        "advance" => {
            only_fields(obj, &["ms"])?;
            let ms = obj
                .get("ms")
                .and_then(Value::as_u64)
                .filter(|ms| (1..=crate::protocol::MAX_ADVANCE_MS).contains(ms))
                .ok_or_else(|| {
                    format!(
                        "ms is a whole number 1 … {}",
                        crate::protocol::MAX_ADVANCE_MS
                    )
                })?;
            return Ok(Inbound::Advance { ms });
        }
        "produce" => {
            only_fields(obj, &["key"])?;
            let key = match obj.get("key") {
                None | Some(Value::Null) => None,
                Some(Value::String(k)) if link::valid_key(k) => Some(k.clone()),
                Some(_) => return Err("key is up to 40 letters, digits, - and _".to_string()),
            };
            return Ok(Inbound::Produce { key });
        }
        "set" => {
            only_fields(obj, &["key", "value"])?;
            let key = obj.get("key").and_then(Value::as_str).unwrap_or("");
            let value = match obj.get("value") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            let ok = match key {
                "acks" => matches!(value.as_str(), "0" | "1" | "all" | "-1"),
                "min.insync.replicas" => matches!(value.as_str(), "1" | "2" | "3"),
                _ => return Err("set takes key acks or min.insync.replicas".to_string()),
            };
            if !ok {
                return Err(format!("“{value}” is not a value of {key}"));
            }
            let value = if value == "-1" {
                "all".to_string()
            } else {
                value
            };
            return Ok(Inbound::Set {
                key: key.to_string(),
                value,
            });
        }
        "crash-broker" => {
            only_fields(obj, &["broker"])?;
            return Ok(Inbound::CrashBroker {
                broker: broker_field(obj)?,
            });
        }
        "restart-broker" => {
            only_fields(obj, &["broker"])?;
            return Ok(Inbound::RestartBroker {
                broker: broker_field(obj)?,
            });
        }
        other => {
            let shown: String = other.chars().take(40).collect();
            return Err(format!(
                "unknown message type “{shown}” (known: {})",
                INBOUND_TYPES.join(", ")
            ));
        }
    };
    only_fields(obj, &[])?;
    Ok(msg)
}

/// A message to the embedding page (see docs/embed.md, "Messages out"). [`Outbound::to_json`]
/// adds `source`, `version` and the widget's `id`.
#[derive(Clone, Debug, PartialEq)]
pub enum Outbound {
    /// The widget is running.
    Ready {
        widget: Widget,
        scenario: String,
        now_ms: u64,
    },
    /// A produce request finished.
    Write {
        succeeded: bool,
        topic: String,
        partition: u32,
        acks: String,
        offset: Option<i64>,
        error: Option<String>,
        message: Option<String>,
        latency_ms: u64,
        at_ms: u64,
    },
    /// A lesson goal became met.
    Goal {
        lesson: String,
        step: usize,
        goal: String,
        text: String,
    },
    /// Every goal of the step is met.
    StepComplete { lesson: String, step: usize },
    /// The answer to `get-state`.
    State {
        now_ms: u64,
        playing: bool,
        isr: Vec<(String, Vec<u32>)>,
        acks: String,
        min_isr: u32,
    },
    /// The content's height in CSS pixels (the loader sizes the iframe to it).
    Resize { height: u32 },
    /// A message from the page was refused.
    Rejected { reason: String },
}

impl Outbound {
    pub fn type_name(&self) -> &'static str {
        match self {
            Outbound::Ready { .. } => "ready",
            Outbound::Write { .. } => "write",
            Outbound::Goal { .. } => "goal",
            Outbound::StepComplete { .. } => "step-complete",
            Outbound::State { .. } => "state",
            Outbound::Resize { .. } => "resize",
            Outbound::Rejected { .. } => "rejected",
        }
    }

    /// The message as JSON (what is posted).
    pub fn to_json(&self, id: &str) -> Value {
        let mut m = Map::new();
        m.insert("source".into(), MESSAGE_SOURCE.into());
        m.insert("version".into(), MESSAGE_VERSION.into());
        m.insert("id".into(), id.into());
        m.insert("type".into(), self.type_name().into());
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        match self {
            Outbound::Ready {
                widget,
                scenario,
                now_ms,
            } => {
                put("widget", widget.id().into());
                put("scenario", scenario.as_str().into());
                put("now_ms", (*now_ms).into());
            }
            Outbound::Write {
                succeeded,
                topic,
                partition,
                acks,
                offset,
                error,
                message,
                latency_ms,
                at_ms,
            } => {
                put(
                    "outcome",
                    if *succeeded { "succeeded" } else { "failed" }.into(),
                );
                put("topic", topic.as_str().into());
                put("partition", (*partition).into());
                put("acks", acks.as_str().into());
                put("offset", offset.map(Value::from).unwrap_or(Value::Null));
                put(
                    "error",
                    error.clone().map(Value::from).unwrap_or(Value::Null),
                );
                put(
                    "message",
                    message.clone().map(Value::from).unwrap_or(Value::Null),
                );
                put("latency_ms", (*latency_ms).into());
                put("at_ms", (*at_ms).into());
            }
            Outbound::Goal {
                lesson,
                step,
                goal,
                text,
            } => {
                put("lesson", lesson.as_str().into());
                put("step", (*step + 1).into());
                put("goal", goal.as_str().into());
                put("text", text.as_str().into());
            }
            Outbound::StepComplete { lesson, step } => {
                put("lesson", lesson.as_str().into());
                put("step", (*step + 1).into());
            }
            Outbound::State {
                now_ms,
                playing,
                isr,
                acks,
                min_isr,
            } => {
                put("now_ms", (*now_ms).into());
                put("playing", (*playing).into());
                let mut parts = Map::new();
                for (tp, ids) in isr {
                    parts.insert(tp.clone(), ids.iter().map(|b| Value::from(*b)).collect());
                }
                put("isr", Value::Object(parts));
                put("acks", acks.as_str().into());
                put("min_insync_replicas", (*min_isr).into());
            }
            Outbound::Resize { height } => put("height", (*height).into()),
            Outbound::Rejected { reason } => put("reason", reason.as_str().into()),
        }
        Value::Object(m)
    }
}
