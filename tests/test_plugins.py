"""A third-party plugin, installed the way pip installs one (a dist-info with entry_points.txt on the
path): convert and sync take it, its declared options are checked, a name it shares with a built-in
warns once and stays the built-in's, the golden cases ignore it, and --download-images works for it."""

from __future__ import annotations

import os
import shutil
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from golden_cases import installed_targets
from support.image_server import ImageServer
from test_images import blog_on
from typer.testing import CliRunner

import hashmigrate
from hashmigrate import registry
from hashmigrate.cli import app
from hashmigrate.exporter import Option, OptionError, check_options, hooks
from hashmigrate.sync.config import ConfigError, parse

EXAMPLES = Path(__file__).parent.parent / "examples" / "blog"
# The fake plugin also claims "hugo": the warning is checked where it is the point of the test.
pytestmark = pytest.mark.filterwarnings("ignore::hashmigrate.registry.PluginConflict")

PLUGIN = '''
from typing import ClassVar

from hashmigrate import Option, OutputFile, Rendered


class EleventyExporter:
    """Posts for Eleventy: src/posts/<slug>.md; no asset_path hook, so images go beside the post."""

    name: ClassVar[str] = "eleventy"
    description: ClassVar[str] = "Eleventy posts (src/posts/<slug>.md)"
    options: ClassVar[tuple[Option, ...]] = (
        Option("folder", str, "src/posts", "where the posts go"),
        Option("layout", str, "post.njk", "the layout every post uses"),
        Option("permalinks", bool, False, "write a permalink: for every post"),
        Option("weight", int, 0, "front matter weight"),
    )

    def __init__(self, folder="src/posts", layout="post.njk", permalinks=False, weight=0):
        assert isinstance(permalinks, bool) and isinstance(weight, int)
        self.folder, self.layout, self.permalinks, self.weight = folder, layout, permalinks, weight

    def render(self, post, site):
        lines = ["---", f"title: {post.title!r}", f"layout: {self.layout}", f"weight: {self.weight}"]
        if self.permalinks:
            lines.append(f"permalink: /{post.slug}/")
        body = "".join(getattr(n, "text", "") or getattr(n, "html", "") for n in post.body)
        images = [f"![{n.alt}]({n.src})" for n in post.body if type(n).__name__ == "Image"]
        if post.cover:
            images.append(f"cover: {post.cover}")
        text = "\\n".join([*lines, "---", body, *images]) + "\\n"
        return Rendered(post, (OutputFile(f"{self.folder}/{post.slug}.md", text),))

    def site_files(self, site):
        return ()

    def advice(self):
        return "Run npx @11ty/eleventy."


class NotHugo(EleventyExporter):
    name: ClassVar[str] = "hugo"
    description: ClassVar[str] = "a plugin that also calls itself hugo"


class Undeclared(EleventyExporter):
    options = None  # declares nothing: its __init__ checks what it is given


class FakePublisher:
    name: ClassVar[str] = "fakepub"
    description: ClassVar[str] = "a publisher plugin"
    options: ClassVar[tuple[Option, ...]] = (Option("channel", str, "main", "where to post"),)

    def __init__(self, config):
        from hashmigrate.http import Stats

        self.target = "fakepub:" + config.exporter_options.get("channel", "main")
        # The blog it is told of shows in its endpoint, for the tests to see.
        self.endpoint = "https://fake.example" + (f"/for/{config.blog_url}" if config.blog_url else "")
        self.stats = Stats()

    @classmethod
    def from_config(cls, config):
        return cls(config)

    def prepare(self, post, previous):
        from hashmigrate.publish import Outgoing, content_hash, post_key

        return Outgoing(post, post_key(post), post.title, content_hash(post.title), False)

    def deliver(self, item, previous, claimed):
        raise AssertionError("a dry run delivers nothing")

    def close(self):
        pass
'''

ENTRY_POINTS = """
[hashmigrate.exporters]
eleventy = fake_eleventy:EleventyExporter
hugo = fake_eleventy:NotHugo
undeclared = fake_eleventy:Undeclared

[hashmigrate.publishers]
fakepub = fake_eleventy:FakePublisher
"""


def install(root: Path) -> None:
    """The package ``fake-eleventy`` written into ``root`` as pip writes one."""
    root.mkdir(parents=True, exist_ok=True)
    install_dist(root, "fake-eleventy", ENTRY_POINTS, ("fake_eleventy", PLUGIN))


def install_dist(root: Path, dist: str, entry_points: str, module: tuple[str, str] | None = None) -> None:
    """A package written into ``root`` as pip writes one: its dist-info, and its module (name, code)."""
    info = root / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)
    if module is not None:
        (root / f"{module[0]}.py").write_text(textwrap.dedent(module[1]))
    registry.refresh()


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The package ``fake-eleventy`` installed (on sys.path only for this test)."""
    root = tmp_path / "site-packages"
    install(root)
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setattr(registry, "_warned", set())
    monkeypatch.delitem(__import__("sys").modules, "fake_eleventy", raising=False)
    yield root


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_convert_takes_a_third_party_exporter_with_its_options(plugin: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = hashmigrate.convert(EXAMPLES, to="eleventy", out=out, options={"weight": "3"})
    assert result.ok, result.errors
    pages = sorted(out.glob("src/posts/*.md"))
    assert len(pages) == result.counts()["written"] > 5
    assert "weight: 3" in pages[0].read_text()
    code, _, stderr = cli("convert", str(EXAMPLES), "--to", "eleventy", "-o", str(tmp_path / "cli"),
                               "-O", "permalinks=yes", "-O", "folder=posts", "-q")  # fmt: skip
    assert code == 0, stderr
    assert "permalink: /" in next((tmp_path / "cli" / "posts").glob("*.md")).read_text()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("colour=red", "eleventy: no such option 'colour' (known: folder, layout, permalinks, weight)"),
        ("permalinks=maybe", "eleventy: option permalinks must be true or false, not 'maybe'"),
        ("weight=heavy", "eleventy: option weight must be a whole number, not 'heavy'"),
    ],
)
def test_cli_options_are_checked_against_the_declaration(
    plugin: Path, tmp_path: Path, option: str, message: str
) -> None:
    code, _, stderr = cli("convert", str(EXAMPLES), "--to", "eleventy", "--dry-run", "-q", "-O", option)
    assert code == 2 and stderr.splitlines()[-1] == f"hashmigrate: {message}", stderr
    assert len(stderr.splitlines()) <= 2  # and at most the one warning that a plugin also claims "hugo"


def test_a_plugin_installed_or_removed_while_the_process_runs_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The entry points are read once for each state of the import path (a folder's modification
    # time tells a package added or removed); a long-running script sees what pip did meanwhile.
    root = tmp_path / "site-packages"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setattr(registry, "_warned", set())
    monkeypatch.delitem(__import__("sys").modules, "fake_eleventy", raising=False)
    os.utime(root, ns=(0, 0))  # a folder made long ago (a change within the clock's tick is not seen)
    reads = []
    entry_points = registry.entry_points

    def counted(**kwargs: Any) -> Any:
        reads.append(kwargs)
        return entry_points(**kwargs)

    monkeypatch.setattr(registry, "entry_points", counted)
    assert "eleventy" not in registry.available()
    assert registry.installed() is not registry.installed()  # a copy handed out each time ...
    assert len(reads) == 1  # ... of what was read once
    registry.refresh()
    registry.installed()
    assert len(reads) == 2
    install(root)
    assert "eleventy" in registry.available()
    shutil.rmtree(root / "fake_eleventy-1.0.dist-info")
    os.utime(root, ns=(10**9, 10**9))  # removed "later" than it was added, whatever the clock's tick
    assert "eleventy" not in registry.available()


def test_bool_option_values() -> None:
    option = Option("flag", bool, False, "a flag")
    for text, value in {"true": True, "YES": True, "1": True, "on": True, "false": False, "no": False,
                        "0": False, "off": False}.items():  # fmt: skip
        assert option.convert(text) is value
    with pytest.raises(OptionError, match="must be true or false"):
        option.convert(2)
    assert check_options((option,), {"flag": "no"}) == {"flag": False}


def test_built_in_options_are_declared_and_listed(plugin: Path) -> None:
    assert [o.name for o in registry.options_of("hugo") or ()] == ["section", "aliases", "canonical"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code, stdout, _ = cli("exporters")
    assert code == 0
    assert "-O aliases (true or false, default True)" in stdout
    assert "-O old_urls (one of redirect_from, permalink, none" in stdout
    assert "publishers" in stdout and "-O upload_images" in stdout and "fakepub" in stdout
    assert "fake-eleventy:hugo" in stdout  # the shadowed one, under the name that picks it


def test_a_name_claimed_twice_warns_once_and_the_built_in_keeps_it(plugin: Path, tmp_path: Path) -> None:
    with pytest.warns(registry.PluginConflict, match=r"fake-eleventy:hugo .* also claims .* 'hugo'"):
        chosen = registry.available()
    assert chosen["hugo"].value == "exporters.hugo:HugoExporter"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        registry.available()  # once per run
    assert type(registry.create("hugo")).__module__ == "exporters.hugo"
    assert type(registry.create("fake-eleventy:hugo")).__name__ == "NotHugo"
    assert type(registry.create("hashmigrate:hugo")).__name__ == "HugoExporter"
    registry._warned.clear()
    code, _, stderr = cli("convert", str(EXAMPLES), "--to", "hugo", "-o", str(tmp_path / "h"), "-q")
    assert code == 0, stderr
    [line] = stderr.splitlines()
    assert line.startswith("hashmigrate: warning: fake-eleventy:hugo (fake_eleventy:NotHugo) also claims")
    assert list((tmp_path / "h" / "content" / "posts").glob("*/index.md"))
    # The full name picks the other one.
    code, _, stderr = cli(
        "convert", str(EXAMPLES), "--to", "fake-eleventy:hugo", "-o", str(tmp_path / "s"), "-q"
    )
    assert code == 0, stderr
    assert list((tmp_path / "s" / "src" / "posts").glob("*.md"))


def test_golden_cases_cover_the_built_ins_only(plugin: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert installed_targets() == ["devto", "hugo", "jekyll", "wordpress"]


def test_an_undeclared_plugin_checks_its_own_options(plugin: Path) -> None:
    assert registry.options_of("undeclared") is None
    with pytest.raises(OptionError, match="undeclared: no such option 'colour'"):
        registry.create("undeclared", colour="red")


def test_sync_takes_any_exporter_and_any_publisher(plugin: Path, tmp_path: Path) -> None:
    path = tmp_path / "hashmigrate.toml"
    source = {"type": "backup", "path": "blog"}
    config = parse(
        {
            "source": source,
            "targets": [
                {"type": "eleventy", "out": "site", "download_images": True, "options": {"weight": 2}},
                {"type": "fakepub", "api_url": "https://api.example", "options": {"channel": "b"}},
                {"type": "fake-eleventy:hugo", "name": "other", "out": "other"},
            ],
        },
        path,
    )
    eleventy, fakepub, other = config.targets
    assert eleventy.is_folder and eleventy.options == {"weight": 2} and eleventy.out == tmp_path / "site"
    assert not fakepub.is_folder and fakepub.api_url == "https://api.example"
    assert other.is_folder and other.type == "fake-eleventy:hugo"
    for options, message in [
        ({"colour": "red"}, "options: no such option 'colour' (known: folder, layout, permalinks, weight)"),
        ({"weight": "heavy"}, "options: option weight must be a whole number, not 'heavy'"),
        ({"permalinks": "maybe"}, "options: option permalinks must be true or false"),
    ]:
        target = {"type": "eleventy", "out": "site", "options": options}
        with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
            parse({"source": source, "targets": [target]}, path)
    with pytest.raises(ConfigError, match=r"options: no such option 'colour' \(known: channel\)"):
        parse({"source": source, "targets": [{"type": "fakepub", "options": {"colour": 1}}]}, path)
    with pytest.raises(ConfigError, match="unknown key 'out'"):
        parse({"source": source, "targets": [{"type": "fakepub", "out": "x"}]}, path)


def test_publish_takes_a_third_party_publisher_with_its_options(plugin: Path, tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    code, stdout, stderr = cli("publish", str(EXAMPLES), "--to", "fakepub", "--dry-run", "-O", "channel=b",
                               "--state", state)  # fmt: skip
    assert code == 0, stderr
    assert "dry run for fakepub (https://fake.example)" in stdout and "would-create" in stdout
    code, _, stderr = cli("publish", str(EXAMPLES), "--to", "fakepub", "--dry-run", "-O", "colour=1",
                          "--state", state)  # fmt: skip
    assert code == 2 and stderr == "hashmigrate: fakepub: no such option 'colour' (known: channel)\n"
    code, _, stderr = cli("publish", str(EXAMPLES), "--to", "fakepub", "--dry-run", "--upload-images",
                          "--state", state)  # fmt: skip
    assert code == 2 and "--upload-images is only for a publisher that uploads images" in stderr


def test_sync_writes_a_third_party_exporter_folder(plugin: Path, tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "blog")
    config = tmp_path / "hashmigrate.toml"
    config.write_text(
        '[source]\ntype = "backup"\npath = "blog"\n[[targets]]\ntype = "eleventy"\nout = "site"\n'
    )
    code, stdout, stderr = cli("sync", "--config", str(config), "-q")
    assert code == 0, stderr
    assert "eleventy" in stdout and list((tmp_path / "site" / "src" / "posts").glob("*.md"))


def test_download_images_for_an_exporter_without_asset_path_puts_them_beside_the_post(
    plugin: Path, tmp_path: Path
) -> None:
    with ImageServer() as images:
        blog = blog_on(images, tmp_path)
        out = tmp_path / "site"
        result = hashmigrate.convert(
            blog, to="eleventy", out=out, download_images=True, image_cache=tmp_path / "cache"
        )
        assert result.ok and result.images is not None and result.images.downloaded > 5
    assert hooks(registry.create("eleventy")).asset_path is None
    posts = out / "src" / "posts"
    page = (posts / "shipping-a-side-project-in-a-weekend.md").read_text()
    assert images.url not in page
    assert "cover: shipping-a-side-project-in-a-weekend-cover.png" in page
    assert (posts / "shipping-a-side-project-in-a-weekend-cover.png").is_file()
    beside = [n for p in result.posts for n in p.notes if n.kind == "images-beside-post"]
    assert beside and "has no asset_path hook" in beside[0].why and "src/posts/" in beside[0].what


def test_download_images_says_why_it_does_nothing_for_a_target_that_keeps_them_remote(tmp_path: Path) -> None:
    result = hashmigrate.convert(EXAMPLES, to="devto", out=tmp_path / "d", download_images=True)
    assert result.images is None
    assert result.warnings == [
        "--download-images does nothing for devto: dev.to shows images from their URLs only, so they "
        "stay on their host"
    ]
    code, stdout, _ = cli("convert", str(EXAMPLES), "--to", "devto", "-o", str(tmp_path / "c"),
                          "--download-images", "-q")  # fmt: skip
    assert code == 0 and "--download-images does nothing for devto" in stdout


def test_the_core_imports_no_exporter_by_name() -> None:
    core = Path(hashmigrate.__file__).parent
    offenders = [
        str(path.relative_to(core))
        for path in core.rglob("*.py")
        if "from exporters" in path.read_text() or "import exporters" in path.read_text()
    ]
    assert offenders == []


TYPED_PLUGIN = """
from collections.abc import Callable

from hashmigrate import BodyRenderer, Option, Post
from hashmigrate.document import Document, Element, Heading


class ZolaBody(BodyRenderer):
    target = "Zola"

    def visits(self, document: Document) -> frozenset[type[Element]] | None:
        return frozenset({Heading})

    def visit(self, document: Document, element: Element, own: Callable[[str], str]) -> str | None:
        return super().visit(document, element, own)


OPTIONS: tuple[Option, ...] = (Option("section", str, "blog", "where posts go"),)
BODY: type[BodyRenderer] = ZolaBody
POST: type[Post] = Post
"""


def test_a_plugin_type_checks_against_the_contract_and_a_name_not_exported_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The names hashmigrate exports lazily are typed for mypy, and only those: a name it does not
    # export is an error before run time, not Any (which passed ``from hashmigrate import Document``).
    from mypy import api as mypy_api

    plugin = tmp_path / "zola_plugin.py"
    plugin.write_text(TYPED_PLUGIN + "\nfrom hashmigrate import Document as Misplaced\n")
    # An editable install's import hook is invisible to mypy: it is shown the checkout itself.
    monkeypatch.setenv("MYPYPATH", str(Path(__file__).resolve().parent.parent))
    out, _, status = mypy_api.run(["--strict", "--no-incremental", "--cache-dir", os.devnull, str(plugin)])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1 and len(errors) == 1, out
    assert 'has no attribute "Document"' in errors[0]


def test_constructs_and_raw_html_are_written_whatever_a_writers_visits_names() -> None:
    # A plug-in's visits() names the types its own visit changes; the constructs and raw HTML the base
    # class renders and notes are not its to name (left out, %[url] reached the page as written).
    from collections.abc import Callable

    from hashmigrate.document import Document, Element, Heading
    from hashmigrate.hashnode.markdown import parse_body

    class Zola(hashmigrate.BodyRenderer):
        def visits(self, document: Document) -> frozenset[type[Element]] | None:
            return frozenset({Heading})

        def visit(self, document: Document, element: Element, own: Callable[[str], str]) -> str | None:
            if isinstance(element, Heading):
                return own(document.text_of(element).upper())
            return super().visit(document, element, own)

    body = (
        "# Title\n\n%[https://github.com/owner/repo]\n\n%%[subscribe]\n\n"
        '<div data-node-type="new-thing">x</div>\n\ntext <span data-node-type="other">y</span>\n'
    )
    post = hashmigrate.Post(title="t", slug="t", body=parse_body(body))
    writer = Zola(post)
    text = writer.render(post.tree)
    assert text.startswith("# TITLE\n") and "%[" not in text and "%%[" not in text
    assert "<https://github.com/owner/repo>" in text and "<!-- Hashnode widget: subscribe -->" in text
    kinds = sorted(note.kind for note in writer.notes)
    assert kinds == ["embed-as-link", "hashnode-markup", "hashnode-markup", "widget"]


BROKEN = """
from hashmigrate import Option


class NoAdvice:
    name = "noadvice"
    description = "an exporter without advice()"
    options = ()

    def render(self, post, site):
        raise AssertionError("never called")

    def site_files(self, site):
        return ()


class Misdeclared(NoAdvice):
    name = "misdeclared"
    options = (Option("x", int, 0, "declared, but __init__ takes no x"),)

    def advice(self):
        return ""


class Buggy(Misdeclared):
    name = "buggy"

    def __init__(self, x=0):
        self.width = "x" * x + None  # a bug of its own, not a declaration that disagrees
"""


@pytest.mark.parametrize(
    ("to", "options", "said"),
    [
        ("missing", [], "the exporter 'missing' (broken_plugins:Gone) cannot be loaded: AttributeError"),
        ("unimportable", [], "(no_such_module:Thing) cannot be loaded: ModuleNotFoundError"),
        ("noadvice", [], "the exporter 'noadvice' is not a hashmigrate exporter (no advice)"),
        ("buggy", ["-O", "x=1"], "the exporter 'buggy' failed to start: TypeError: can only concatenate str"),
        ("misdeclared", ["-O", "x=1"], "'misdeclared' declares options its __init__ does not take: no such option 'x'"),
    ],
)  # fmt: skip
def test_a_broken_plugin_is_one_line_naming_it_not_an_internal_error(
    plugin: Path, tmp_path: Path, to: str, options: list[str], said: str
) -> None:
    # The plugin's fault, not hashmigrate's: exit 2 and a line naming it, never "internal error
    # ... please report it" (exit 3), which sent its users to the wrong project.
    entry_points = (
        "[hashmigrate.exporters]\nmissing = broken_plugins:Gone\nunimportable = no_such_module:Thing\n"
        "noadvice = broken_plugins:NoAdvice\nmisdeclared = broken_plugins:Misdeclared\nbuggy = broken_plugins:Buggy\n"
    )
    install_dist(plugin, "broken-plugins", entry_points, ("broken_plugins", BROKEN))
    code, _, err = cli("convert", str(EXAMPLES), "--to", to, "--out", str(tmp_path / "out"), *options)
    assert code == 2 and said in err and "internal error" not in err and "Traceback" not in err, err
    assert len([line for line in err.splitlines() if "warning:" not in line]) == 1
    with pytest.raises(hashmigrate.PluginError):
        hashmigrate.convert(EXAMPLES, to=to, out=tmp_path / "lib", options={"x": 1} if options else None)


def test_sync_shows_a_plugin_publishers_own_endpoint_and_tells_it_the_blog(
    plugin: Path, tmp_path: Path
) -> None:
    # Every API target showed as "https://dev.to/api" unless its config named a URL, and the source's
    # blog_url (which publish --blog-url passes) never reached a plug-in publisher.
    from hashmigrate.sync.run import sync

    shutil.copytree(EXAMPLES, tmp_path / "blog")
    source = {"type": "backup", "path": "blog", "blog_url": "https://blog.example.dev"}
    config = parse({"source": source, "targets": [{"type": "fakepub", "name": "out"}]}, tmp_path / "h.toml")
    result = sync(config, dry_run=True)
    (outcome,) = result.targets
    assert outcome.where == "https://fake.example/for/https://blog.example.dev", outcome
    assert outcome.error is None and any(p.status == "would-create" for p in outcome.posts)


LEAKY = '''
from hashmigrate.http import Stats


class Leaky:
    """A publisher whose server echoes its credential in an error (read through config.secret)."""

    name = "leaky"
    description = "a publisher that says its token"
    options = ()

    def __init__(self, config):
        self.token = config.secret("OUTBOX_AUTH")
        self.target, self.endpoint, self.stats = "leaky", "https://outbox.example", Stats()

    @classmethod
    def from_config(cls, config):
        return cls(config)

    def prepare(self, post, previous):
        raise ValueError(f"server said: bad token {self.token}")

    def deliver(self, item, previous, claimed):
        raise AssertionError("never reached")

    def close(self):
        pass
'''


def test_a_plugin_publishers_credential_read_through_its_config_never_shows(
    plugin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only variables named like credentials (*_TOKEN, *_KEY...) were masked: a publisher's OUTBOX_AUTH
    # showed in every failed post's line. PublishConfig.secret() reads one and masks it.
    install_dist(
        plugin,
        "leaky",
        "[hashmigrate.publishers]\nleaky = leaky_publisher:Leaky\n",
        ("leaky_publisher", LEAKY),
    )
    monkeypatch.setenv("OUTBOX_AUTH", "s3cr3t-AUTH-456")
    report = tmp_path / "report.json"
    code, stdout, stderr = cli(
        "publish", str(EXAMPLES), "--to", "leaky", "--dry-run", "--state", str(tmp_path / "s.db"),
        "--report", str(report),
    )  # fmt: skip
    assert code == 1 and "server said: bad token ***" in stderr, stderr
    assert "s3cr3t" not in stdout + stderr + report.read_text()


def test_a_folder_target_stays_an_exporters_when_a_publisher_takes_its_name(
    plugin: Path, tmp_path: Path
) -> None:
    # A package adding a publisher "eleventy" turned every [[targets]] type = "eleventy" with an out
    # folder into an API target ("unknown key 'out'"). A target with out names the exporter.
    install_dist(plugin, "eleventy-pub", "[hashmigrate.publishers]\neleventy = fake_eleventy:FakePublisher\n")
    source = {"type": "backup", "path": "blog"}
    targets = [
        {"type": "eleventy", "out": "site"},
        {"type": "eleventy", "name": "api", "api_url": "https://api.example"},
        {"type": "devto", "name": "folder", "out": "devto"},
    ]
    folder, api, devto = parse({"source": source, "targets": targets}, tmp_path / "h.toml").targets
    assert folder.is_folder and folder.out == tmp_path / "site"
    assert not api.is_folder and api.api_url == "https://api.example"
    assert devto.is_folder and devto.out == tmp_path / "devto"  # dev.to's exporter, not its publisher


def test_the_base_writer_notes_an_alignment_it_drops() -> None:
    # A plug-in that keeps BodyRenderer.image wrote ![](x.png) for an aligned image, and said nothing.
    from hashmigrate.hashnode.markdown import parse_body

    body = '![a](https://cdn.example.com/x.png align="center")\n\n![b](https://cdn.example.com/y.png)\n'
    post = hashmigrate.Post(title="t", slug="t", body=parse_body(body))
    writer = hashmigrate.BodyRenderer(post)
    assert (
        writer.render(post.tree)
        == "![a](https://cdn.example.com/x.png)\n\n![b](https://cdn.example.com/y.png)\n"
    )
    assert [(n.kind, n.what) for n in writer.notes] == [
        ("image-align", "alignment (center) of image 'https://cdn.example.com/x.png' dropped")
    ]
