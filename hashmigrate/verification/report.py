"""The HTML report of a verify run: one self-contained file, every post with its status and notes, and
per post Hashnode's page and the target's side by side with the differences listed.

Post HTML is whatever the author and the generator made, so it is never part of the report's own
markup: each page is shown in an ``<iframe sandbox srcdoc=...>`` (escaped into the attribute), which
runs no script, submits no form and cannot reach the report, and whose own Content-Security-Policy
loads nothing but images (no script, no frame, no style sheet from elsewhere). The report itself has
no script at all.
"""

from __future__ import annotations

import html
from collections import Counter

from hashmigrate.verification.run import PostCheck, VerifyResult

_PAGE_POLICY = "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'"
_PAGE_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: .8rem; color: #222; }
img { max-width: 100%; height: auto; } pre { background: #f4f4f4; padding: .5rem; overflow-x: auto; }
iframe, .embed-card { display: block; width: 95%; min-height: 3rem; border: 2px dashed #c80; }
blockquote, [data-node-type="callout"] { border-left: 4px solid #bbb; margin-left: 0; padding-left: .8rem; }
[data-node-type="callout"] { background: #eef4ff; }
.align-center { display: block; margin: 0 auto; text-align: center; } .align-right { float: right; }
.align-left { float: left; } table { border-collapse: collapse; } td, th { border: 1px solid #ccc; }
"""
_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.2rem; color: #1d1d1d; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin: 0; display: inline; }
table.posts { border-collapse: collapse; margin: 1rem 0; } .posts td, .posts th { padding: .2rem .6rem;
  border-bottom: 1px solid #ddd; text-align: left; }
.status { font-weight: 600; padding: .05rem .45rem; border-radius: 4px; font-size: .85rem; }
.same { background: #d8f3dc; color: #1b4332; } .different { background: #ffd6d6; color: #7a0010; }
.unchecked { background: #ffe8b0; color: #6b4500; }
details.post { border: 1px solid #ccc; border-radius: 6px; margin: .8rem 0; padding: .5rem .8rem; }
ul.differences li { margin: .25rem 0; font-family: ui-monospace, monospace; font-size: .85rem;
  white-space: pre-wrap; word-break: break-word; }
li.difference { color: #9b0015; } li.accepted { color: #666; }
.what { font-weight: 700; } .notes { color: #555; font-size: .85rem; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
.side iframe { width: 100%; height: 36rem; border: 1px solid #999; border-radius: 4px; background: #fff; }
.side h3 { font-size: .95rem; margin: .4rem 0; }
"""


def _page(body: str) -> str:
    """A post's page as the document of a sandboxed frame."""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_PAGE_POLICY}">'
        f"<style>{_PAGE_STYLE}</style></head><body>{body}</body></html>"
    )


def _frame(title: str, body: str) -> str:
    # sandbox with no keyword: no script, no same origin, no forms, no popups, no top navigation.
    return (
        f'<div><h3>{html.escape(title)}</h3><iframe sandbox="" referrerpolicy="no-referrer" loading="lazy" '
        f'title="{html.escape(title, quote=True)}" srcdoc="{html.escape(_page(body), quote=True)}"></iframe></div>'
    )


def _post(index: int, post: PostCheck, target: str) -> str:
    status = post.status
    parts = [
        # Open where there is something to look at: a difference, accepted or not, or no page.
        f'<details class="post" id="post-{index}"{" open" if status != "same" or post.differences else ""}>',
        f'<summary><span class="status {status}">{status}</span> <h2>{html.escape(post.title)}</h2> '
        f"<code>{html.escape(post.source)}</code>"
        + (f" &rarr; <code>{html.escape(post.url)}</code>" if post.url else "")
        + "</summary>",
    ]
    if post.message:
        parts.append(f"<p>{html.escape(post.message)}</p>")
    if post.differences:
        items = []
        for difference in post.differences:
            kind = "accepted" if difference.accepted else "difference"
            why = f"\naccepted: {html.escape(difference.accepted)}" if difference.accepted else ""
            items.append(
                f'<li class="{kind}"><span class="what">{html.escape(difference.what)}</span>: '
                f"{html.escape(difference.detail)}{why}</li>"
            )
        parts.append('<ul class="differences">' + "".join(items) + "</ul>")
    if post.notes:
        notes = "".join(f"<li>{html.escape(note)}</li>" for note in post.notes)
        parts.append(
            f'<details class="notes"><summary>{len(post.notes)} note(s) from the conversion</summary><ul>{notes}</ul></details>'
        )
    if post.reference or post.target:
        parts.append(
            '<div class="side">'
            + _frame("Hashnode (reference)", post.reference)
            + _frame(f"{target} (as built)" if post.target else f"{target}: no page", post.target)
            + "</div>"
        )
    parts.append("</details>")
    return "\n".join(parts)


def report_html(result: VerifyResult) -> str:
    """The whole report, one HTML file with nothing to fetch but the posts' own images."""
    counts = Counter(p.status for p in result.posts)
    rows = []
    for index, post in enumerate(result.posts):
        counted = [d for d in post.differences if not d.accepted]
        what = ", ".join(sorted({d.what for d in counted})) or post.message
        accepted = len(post.differences) - len(counted)
        rows.append(
            f'<tr><td><span class="status {post.status}">{post.status}</span></td>'
            f'<td><a href="#post-{index}">{html.escape(post.title)}</a></td>'
            f"<td><code>{html.escape(post.source)}</code></td><td>{html.escape(what)}</td>"
            f"<td>{accepted or ''}</td></tr>"
        )
    problems = "".join(f"<li>{html.escape(line)}</li>" for line in result.problems)
    posts = "\n".join(_post(i, p, result.target) for i, p in enumerate(result.posts))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; frame-src 'self'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hashmigrate verify: {html.escape(result.target)}</title><style>{_STYLE}</style></head>
<body>
<h1>hashmigrate verify &mdash; {html.escape(result.target)}</h1>
<p>Pages {html.escape(result.method)}. {len(result.posts)} post(s):
<span class="status same">{counts["same"]} as on Hashnode</span>
<span class="status different">{counts["different"]} different</span>
<span class="status unchecked">{counts["unchecked"]} unchecked</span></p>
{f"<p>Source files that could not be read:</p><ul>{problems}</ul>" if problems else ""}
<table class="posts"><tr><th>status</th><th>post</th><th>file</th><th>differs in</th><th>accepted</th></tr>
{"".join(rows)}</table>
{posts}
</body></html>
"""
