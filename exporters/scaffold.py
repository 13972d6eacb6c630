"""The smallest complete site around converted posts (``convert --site``): ``hugo server`` or
``jekyll serve`` in the output folder shows the blog at once.

Written only when asked, and a file that is already there is never replaced (an existing site keeps its
own config and layouts). The Hugo layout builds on Hugo 0.111 (Debian 12) and current Hugo: it uses only
``layouts/_default/`` and ``layouts/index.html``, which both template systems look up.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from hashmigrate.exporter import OutputFile, Site


def site_title(site: Site) -> str:
    host = urlsplit(site.blog_url or "").hostname
    return host or "My blog"


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


HUGO_BASEOF = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} | {{ end }}{{ site.Title }}</title>
{{ with .Description }}<meta name="description" content="{{ . }}">{{ end }}
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .RelPermalink }}" title="{{ site.Title }}">{{ end }}
<style>
body { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; font: 1.05rem/1.6 system-ui, sans-serif; color: #222; }
img, iframe, video { max-width: 100%; }
pre { padding: .8rem; overflow-x: auto; border-radius: 6px; }
code { font-size: .92em; }
blockquote { margin-left: 0; padding-left: 1rem; border-left: 4px solid #ddd; color: #444; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: .3rem .6rem; }
figure.align-center, img.align-center { text-align: center; margin-left: auto; margin-right: auto; display: block; }
figure.align-center img { margin: 0 auto; display: block; }
figure.align-right, img.align-right { float: right; margin-left: 1em; }
figure.align-left, img.align-left { float: left; margin-right: 1em; }
.meta { color: #666; font-size: .9rem; } .tags a { margin-right: .5rem; }
</style>
</head>
<body>
<header><a href="{{ "/" | relURL }}"><strong>{{ site.Title }}</strong></a> · <a href="{{ "/tags/" | relURL }}">Tags</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""

HUGO_SINGLE = """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p class="meta">{{ .Date.Format "2 January 2006" }}{{ with .Params.subtitle }} · {{ . }}{{ end }}</p>
<div class="post-content">{{ .Content }}</div>
<p class="tags">{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">#{{ .LinkTitle }}</a>{{ end }}</p>
</article>
{{ end }}
"""

HUGO_LIST = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ if .IsPage }} <span class="meta">{{ .Date.Format "2006-01-02" }}</span>{{ end }}</li>
{{ end }}
</ul>
{{ end }}
"""

HUGO_HOME = """\
{{ define "main" }}
<ul>
{{ range where site.RegularPages "Type" "posts" }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <span class="meta">{{ .Date.Format "2006-01-02" }}</span>{{ with .Description }}<br>{{ . }}{{ end }}</li>
{{ end }}
</ul>
{{ end }}
"""


def hugo_files(site: Site, snippet: str) -> tuple[OutputFile, ...]:
    base = (site.blog_url or "/").rstrip("/") + "/"
    config = (
        f"baseURL = {_toml_string(base)}\n"
        f"title = {_toml_string(site_title(site))}\n"
        "# Tag pages keep each tag as the author wrote it (Hugo title-cases them by default).\n"
        'titleCaseStyle = "none"\n\n'
        "[markup.highlight]\n"
        "  # Colours written inline: no stylesheet to add.\n"
        "  noClasses = true\n"
        '  style = "github"\n\n' + snippet.split("\n", 1)[1].lstrip("\n")
    )
    return (
        OutputFile("hugo.toml", config),
        OutputFile("layouts/_default/baseof.html", HUGO_BASEOF),
        OutputFile("layouts/_default/single.html", HUGO_SINGLE),
        OutputFile("layouts/_default/list.html", HUGO_LIST),
        OutputFile("layouts/index.html", HUGO_HOME),
    )


JEKYLL_ALIGN_CSS = """\
---
---
@import "minima";

img.align-center { display: block; margin: 0 auto; }
img.align-right { float: right; margin-left: 1em; }
img.align-left { float: left; margin-right: 1em; }
"""


def jekyll_files(site: Site, snippet: str) -> tuple[OutputFile, ...]:
    url = (site.blog_url or "").rstrip("/")
    head = [
        f"title: {_yaml_string(site_title(site))}",
        *([f"url: {_yaml_string(url)}"] if url else []),
        "theme: minima",
        "show_excerpts: true",
        "",
    ]
    config = "\n".join(head) + snippet
    return (
        OutputFile("_config.yml", config),
        OutputFile("index.md", "---\nlayout: home\n---\n"),
        # minima 2.5 reads assets/main.scss; the alignment classes go on top of its own styles.
        OutputFile("assets/main.scss", JEKYLL_ALIGN_CSS),
    )


def _yaml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
