//! English / 中文 strings. Kafka's own names (acks, min.insync.replicas, NOT_ENOUGH_REPLICAS, ISR,
//! HW, LEO…) are never translated: learners must recognise them in real broker logs.

use kplay_engine::config::{ConfigScope, CONFIG_DEFS};

/// The page language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

/// The localStorage key remembering the language.
pub const LANG_STORAGE_KEY: &str = "kplay.lang";

impl Lang {
    /// Picks the English or the Chinese text.
    pub fn t(self, en: &'static str, zh: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// The stored form (`en` / `zh`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Parses [`Lang::code`] (or a browser language tag such as `zh-CN`).
    pub fn from_code(code: &str) -> Option<Lang> {
        let c = code.to_ascii_lowercase();
        if c.starts_with("zh") {
            Some(Lang::Zh)
        } else if c.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The other language (what the toggle switches to).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }

    /// The one-line explanation of a Kafka config key from the engine's `CONFIG_DEFS`.
    pub fn config_doc(self, scope: ConfigScope, key: &str) -> &'static str {
        CONFIG_DEFS
            .iter()
            .find(|d| d.scope == scope && d.key == key)
            .map(|d| match self {
                Lang::En => d.doc_en,
                Lang::Zh => d.doc_zh,
            })
            .unwrap_or("")
    }

    /// A short explanation of a Kafka error name for the produce results list.
    pub fn error_hint(self, error: &str) -> Option<&'static str> {
        Some(match error {
            "NOT_ENOUGH_REPLICAS" => self.t(
                "The ISR is smaller than min.insync.replicas, so the leader refused the acks=all write before appending it.",
                "ISR 小于 min.insync.replicas，leader 在写入之前就拒绝了这条 acks=all 消息。",
            ),
            "NOT_ENOUGH_REPLICAS_AFTER_APPEND" => self.t(
                "Written by the leader, but the ISR shrank below min.insync.replicas before the record was committed.",
                "leader 已写入，但在提交前 ISR 缩小到了 min.insync.replicas 以下。",
            ),
            "REQUEST_TIMED_OUT" => self.t(
                "No answer within request.timeout.ms: the record may or may not have been written.",
                "在 request.timeout.ms 内没有响应：消息可能写入了，也可能没有。",
            ),
            "NOT_LEADER_OR_FOLLOWER" => self.t(
                "The broker is no longer the partition leader (the client's metadata was stale).",
                "该 broker 已不是分区 leader（客户端的元数据过期了）。",
            ),
            "NETWORK_EXCEPTION" => self.t(
                "The connection broke before the answer arrived: the broker crashed.",
                "响应到达前连接断开了：broker 宕机。",
            ),
            "LEADER_NOT_AVAILABLE" => self.t(
                "The partition has no leader right now; the controller is electing one.",
                "分区当前没有 leader，controller 正在选举。",
            ),
            "ELECTION_NOT_NEEDED" => self.t(
                "Nothing to do: the partition is already led by its preferred replica (preferred), or it still has a leader (unclean).",
                "无需选举：分区已由首选副本领导（preferred），或者仍有 leader（unclean）。",
            ),
            "PREFERRED_LEADER_NOT_AVAILABLE" => self.t(
                "The preferred (first) replica is offline, fenced or not in the ISR, so it cannot lead yet.",
                "首选（第一个）副本离线、被隔离或不在 ISR 中，暂时无法成为 leader。",
            ),
            "ELIGIBLE_LEADERS_NOT_AVAILABLE" => self.t(
                "No live, unfenced replica at all: restart a broker first.",
                "没有任何存活且未被隔离的副本：请先重启一个 broker。",
            ),
            "UNKNOWN_TOPIC_OR_PARTITION" => self.t("The topic or partition does not exist.", "topic 或分区不存在。"),
            _ => return None,
        })
    }
}

impl Lang {
    /// What to do about a producer `ConfigException` (Kafka's message stays as it is, in English).
    pub fn config_exception_hint(self, message: &str) -> Option<&'static str> {
        Some(if message.starts_with("Must set acks to all") {
            self.t(
                "The idempotent producer needs acks=all: set acks to all first.",
                "幂等 producer 要求 acks=all：请先把 acks 设为 all。",
            )
        } else if message.starts_with("Must set retries to non-zero") {
            self.t(
                "The idempotent producer needs retries > 0: raise retries first.",
                "幂等 producer 要求 retries > 0：请先调大 retries。",
            )
        } else if message.starts_with("Must set max.in.flight.requests.per.connection") {
            self.t(
                "The idempotent producer allows at most 5 requests in flight per broker.",
                "幂等 producer 每个 broker 最多允许 5 个在途请求。",
            )
        } else if message.starts_with("delivery.timeout.ms should be") {
            self.t(
                "delivery.timeout.ms must cover linger.ms + request.timeout.ms.",
                "delivery.timeout.ms 必须不小于 linger.ms + request.timeout.ms。",
            )
        } else {
            return None;
        })
    }
}

/// Which language to start in: the remembered choice, else the browser's, else English.
pub fn initial_lang() -> Lang {
    let Some(window) = web_sys::window() else {
        return Lang::En;
    };
    if let Some(l) = url_param("lang").and_then(|v| Lang::from_code(&v)) {
        return l;
    }
    let stored = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(LANG_STORAGE_KEY).ok().flatten())
        .and_then(|v| Lang::from_code(&v));
    stored
        .or_else(|| {
            window
                .navigator()
                .language()
                .and_then(|l| Lang::from_code(&l))
        })
        .unwrap_or(Lang::En)
}

/// A query parameter of the page URL (`?preset=orders&lang=zh`), for links and embedding.
pub fn url_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| v.to_string())
    })
}

/// Remembers the language and sets `<html lang>` so screen readers switch voice.
pub fn apply_lang(lang: Lang) {
    if let Some(Ok(Some(storage))) = web_sys::window().map(|w| w.local_storage()) {
        let _ = storage.set_item(LANG_STORAGE_KEY, lang.code());
    }
    show_lang(lang);
}

/// Sets `<html lang>` and the title without remembering the choice (an embed's `lang=` must not
/// change the language of the reader's own visits to the site).
pub fn show_lang(lang: Lang) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", lang.tag());
    }
    if let Some(doc) = window.document() {
        doc.set_title(lang.t(
            "Kafka Playground — acks & min.insync.replicas",
            "Kafka Playground — acks 与 min.insync.replicas",
        ));
    }
}
