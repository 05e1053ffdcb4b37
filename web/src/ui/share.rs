//! "Share link" for a lesson run (`#lesson=v1/…`, [`crate::link::lesson`]): puts the link of the
//! run as it is now in the address bar, copies it, and shows it; a run too long for a link says
//! why instead. The worker builds the link on every reply (`LessonStatus::share`).

use crate::i18n::Lang;
use crate::link::lesson::LinkError;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LessonShareProps {
    pub lang: Lang,
    /// The worker's link of the run as it is now, or why there is none.
    pub share: Option<Result<String, LinkError>>,
}

/// The page's address without query and fragment, plus `fragment`.
fn address(fragment: &str) -> String {
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return fragment.to_string();
    };
    format!(
        "{}{}{fragment}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default()
    )
}

/// The lesson player's share button.
#[function_component(LessonShare)]
pub fn lesson_share(p: &LessonShareProps) -> Html {
    let l = p.lang;
    // What was shared: the address, or why it could not be.
    let shown = use_state(|| None::<Result<String, LinkError>>);
    let Some(share) = p.share.clone() else {
        return html! {};
    };
    let on_share = {
        let shown = shown.clone();
        Callback::from(move |_| {
            let result = share.clone().map(|fragment| {
                let url = address(&fragment);
                if let Some(w) = web_sys::window() {
                    // No reload: the page keeps running; a reload opens the link.
                    let _ = w.location().set_hash(&fragment);
                    let _ = w.navigator().clipboard().write_text(&url);
                }
                url
            });
            shown.set(Some(result));
        })
    };
    html! {
        <div class="lesson-share">
            <button class="btn small" onclick={on_share} data-testid="lesson-share"
                title={l.t("A link to this lesson run: the step, your inputs since the lesson started (predictions, “Show me”, your actions) and this time",
                           "这次课程运行的链接：步骤、从课程开始以来你的输入（预测、“演示给我看”、你的操作）以及当前时间")}>
                { l.t("Copy link", "复制链接") }
            </button>
            { match &*shown {
                Some(Ok(url)) => html! {
                    <>
                        <span class="timeline-state small" role="status" data-testid="lesson-share-status">
                            { l.t(" Copied — it is in the address bar too: ", " 已复制——地址栏里也有：") }
                        </span>
                        <input class="mono share-url" readonly=true value={url.clone()} data-testid="lesson-share-url"
                            aria-label={l.t("Link to this lesson run", "这次课程运行的链接")}
                            onfocus={Callback::from(|e: FocusEvent| {
                                if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() { i.select(); }
                            })} />
                    </>
                },
                Some(Err(e)) => html! {
                    <span class="bad-text small" role="alert" data-testid="lesson-share-error">
                        { l.t("No link: ", "无法生成链接：") }{ e.get(l).to_string() }
                    </span>
                },
                None => html! {},
            } }
        </div>
    }
}
