//! A tiny, safe markdown renderer for lesson prose: the subset the lessons use — paragraphs,
//! `**strong**`, `*emphasis*`, `` `code` ``, bullet and numbered lists, `#` headings, pipe tables,
//! fenced code blocks and `[links](https://…)`.
//!
//! Safe by construction: [`parse`] builds a small tree of text, and [`render`] turns it into Yew
//! nodes, whose text is always escaped — raw HTML in a lesson shows as literal text, never as
//! markup. A link is only a link when its target is `http://` or `https://`; anything else
//! (`javascript:`, `data:`, relative paths) is rendered as plain text followed by a visible
//! "[link removed: only http(s) links are allowed]".

use yew::prelude::*;

/// Inline content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(Vec<Inline>),
    Em(Vec<Inline>),
    /// Only built for `http(s)://` targets.
    Link {
        text: Vec<Inline>,
        href: String,
    },
    /// A link whose target is not `http(s)://` (`javascript:`, `data:`, …): its label as text
    /// and a visible note that the link was removed.
    Blocked {
        text: Vec<Inline>,
        href: String,
    },
}

/// A block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Para(Vec<Inline>),
    Heading(Vec<Inline>),
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    Table {
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Code(String),
}

/// Whether a link target may be followed: absolute http(s) only.
pub fn safe_href(href: &str) -> bool {
    let h = href.trim().to_ascii_lowercase();
    (h.starts_with("https://") || h.starts_with("http://"))
        && !h.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn list_item(line: &str) -> Option<(bool, &str)> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
        return Some((false, rest));
    }
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 {
        if let Some(rest) = t[digits..].strip_prefix(". ") {
            return Some((true, rest));
        }
    }
    None
}

fn table_cells(line: &str) -> Vec<&str> {
    let t = line.trim().trim_start_matches('|').trim_end_matches('|');
    t.split('|').map(str::trim).collect()
}

fn is_table_rule(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.contains('-') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// Parses lesson markdown into blocks.
pub fn parse(src: &str) -> Vec<Block> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if t.is_empty() {
            i += 1;
            continue;
        }
        if t.starts_with("```") {
            let mut code = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim().starts_with("```") {
                code.push(lines[i]);
                i += 1;
            }
            i += 1;
            out.push(Block::Code(code.join("\n")));
            continue;
        }
        if t.starts_with('#') {
            out.push(Block::Heading(inline(t.trim_start_matches('#').trim())));
            i += 1;
            continue;
        }
        if t.starts_with('|') {
            let head = table_cells(t).into_iter().map(inline).collect();
            i += 1;
            if i < lines.len() && is_table_rule(lines[i]) {
                i += 1;
            }
            let mut rows = Vec::new();
            while i < lines.len() && lines[i].trim().starts_with('|') {
                rows.push(table_cells(lines[i]).into_iter().map(inline).collect());
                i += 1;
            }
            out.push(Block::Table { head, rows });
            continue;
        }
        if let Some((ordered, _)) = list_item(t) {
            let mut items = Vec::new();
            while i < lines.len() {
                match list_item(lines[i]) {
                    Some((o, rest)) if o == ordered => {
                        items.push(rest.to_string());
                        i += 1;
                    }
                    // A continuation line of the item above.
                    None if !lines[i].trim().is_empty()
                        && lines[i].starts_with(' ')
                        && !items.is_empty() =>
                    {
                        let last = items.last_mut().expect("not empty");
                        last.push(' ');
                        last.push_str(lines[i].trim());
                        i += 1;
                    }
                    _ => break,
                }
            }
            out.push(Block::List {
                ordered,
                items: items.iter().map(|s| inline(s)).collect(),
            });
            continue;
        }
        let mut para = Vec::new();
        while i < lines.len() {
            let l = lines[i].trim();
            if l.is_empty()
                || l.starts_with("```")
                || l.starts_with('#')
                || l.starts_with('|')
                || list_item(l).is_some()
            {
                break;
            }
            para.push(l);
            i += 1;
        }
        out.push(Block::Para(inline(&para.join(" "))));
    }
    out
}

/// Parses inline markup. Unclosed markers stay literal text.
pub fn inline(src: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = src;
    let flush = |text: &mut String, out: &mut Vec<Inline>| {
        if !text.is_empty() {
            out.push(Inline::Text(std::mem::take(text)));
        }
    };
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            if let Some(end) = rest[1..].find('`') {
                flush(&mut text, &mut out);
                out.push(Inline::Code(rest[1..1 + end].to_string()));
                rest = &rest[end + 2..];
                continue;
            }
        }
        if rest.starts_with("**") {
            if let Some(end) = rest[2..].find("**") {
                if end > 0 {
                    flush(&mut text, &mut out);
                    out.push(Inline::Strong(inline(&rest[2..2 + end])));
                    rest = &rest[end + 4..];
                    continue;
                }
            }
        }
        if c == '*' && !rest.starts_with("**") {
            if let Some(end) = rest[1..].find('*') {
                let inner = &rest[1..1 + end];
                if end > 0 && !inner.starts_with(' ') {
                    flush(&mut text, &mut out);
                    out.push(Inline::Em(inline(inner)));
                    rest = &rest[end + 2..];
                    continue;
                }
            }
        }
        if c == '[' {
            if let Some(close) = rest.find("](") {
                if let Some(end) = rest[close + 2..].find(')') {
                    let label = &rest[1..close];
                    let href = &rest[close + 2..close + 2 + end];
                    flush(&mut text, &mut out);
                    if safe_href(href) {
                        out.push(Inline::Link {
                            text: inline(label),
                            href: href.trim().to_string(),
                        });
                    } else {
                        // Not followable: the label as text, and a visible note why.
                        out.push(Inline::Blocked {
                            text: inline(label),
                            href: href.trim().chars().take(80).collect(),
                        });
                    }
                    rest = &rest[close + 3 + end..];
                    continue;
                }
            }
        }
        text.push(c);
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut text, &mut out);
    out
}

fn render_inline(items: &[Inline]) -> Html {
    items
        .iter()
        .map(|i| match i {
            Inline::Text(t) => html! { { t.clone() } },
            Inline::Code(c) => html! { <code>{ c.clone() }</code> },
            Inline::Strong(x) => html! { <strong>{ render_inline(x) }</strong> },
            Inline::Em(x) => html! { <em>{ render_inline(x) }</em> },
            Inline::Link { text, href } => html! {
                <a href={href.clone()} target="_blank" rel="noopener noreferrer">{ render_inline(text) }</a>
            },
            Inline::Blocked { text, href } => html! {
                <>
                    { render_inline(text) }
                    <span class="md-blocked" data-testid="md-blocked" title={href.clone()}>
                        { " [link removed: only http(s) links are allowed]" }
                    </span>
                </>
            },
        })
        .collect()
}

/// Renders lesson markdown as Yew nodes (always escaped text).
pub fn render(src: &str) -> Html {
    parse(src)
        .iter()
        .map(|b| match b {
            Block::Para(x) => html! { <p>{ render_inline(x) }</p> },
            Block::Heading(x) => html! { <h4>{ render_inline(x) }</h4> },
            Block::List { ordered: true, items } => html! {
                <ol>{ for items.iter().map(|x| html! { <li>{ render_inline(x) }</li> }) }</ol>
            },
            Block::List { ordered: false, items } => html! {
                <ul>{ for items.iter().map(|x| html! { <li>{ render_inline(x) }</li> }) }</ul>
            },
            Block::Table { head, rows } => html! {
                <div class="md-table"><table>
                    <thead><tr>{ for head.iter().map(|c| html! { <th scope="col">{ render_inline(c) }</th> }) }</tr></thead>
                    <tbody>{ for rows.iter().map(|r| html! {
                        <tr>{ for r.iter().map(|c| html! { <td>{ render_inline(c) }</td> }) }</tr>
                    }) }</tbody>
                </table></div>
            },
            Block::Code(c) => html! { <pre><code>{ c.clone() }</code></pre> },
        })
        .collect()
}
