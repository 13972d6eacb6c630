"""The ``hashmigrate`` command: option parsing and printing only; the work is in the public API."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

import hashmigrate
from hashmigrate.conflicts import PluginConflict
from hashmigrate.delivery import OutputError, atomic_move, atomic_write
from hashmigrate.hashnode import SourceError, count_files
from hashmigrate.model import Callout, Embed, Html, Image, Mention, Post, Widget
from hashmigrate.output import as_json as _as_json
from hashmigrate.output import error as _err
from hashmigrate.output import say as _say
from hashmigrate.redaction import CREDENTIAL_VARIABLES, remember_environment
from hashmigrate.sync.command import sync_command

if TYPE_CHECKING:
    from hashmigrate import links, registry
    from hashmigrate.api import ConvertResult, PostResult, PostStatus
    from hashmigrate.publish import PublishResult
else:
    # The exporters, the Markdown parser and the link code load when a command uses them, not for
    # ``hashmigrate --help`` (benchmarks/startup.py).
    def _lazy(name: str) -> Any:
        import importlib.util

        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.find_spec(name)
        loader = importlib.util.LazyLoader(spec.loader)
        spec.loader = loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
        return module

    registry = _lazy("hashmigrate.registry")
    links = _lazy("hashmigrate.links")


class _OneLineErrors(TyperGroup):
    """Every way the command can end badly ends in one ``hashmigrate:`` line and an exit code.

    Click's usage errors (vendored inside Typer since 0.26, so told apart by class name) would print
    a multi-line box; anything unexpected would print a traceback.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Known before anything can fail: no message, however early, shows a credential.
        remember_environment(os.environ, CREDENTIAL_VARIABLES)
        standalone = kwargs.pop("standalone_mode", True)
        kwargs["standalone_mode"] = False
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _one_line_warnings(warnings.showwarning)
                warnings.simplefilter("always", PluginConflict)  # the registry says each once
                code = super().main(*args, **kwargs)
        except KeyboardInterrupt:
            _err("interrupted")
            sys.exit(130)
        except Exception as exc:
            kinds = {cls.__name__ for cls in type(exc).__mro__}
            if "NoArgsIsHelpError" in kinds:
                sys.exit(EXIT_USAGE)  # the help is already on the screen
            if "UsageError" in kinds:
                _err(f"{getattr(exc, 'format_message', exc.__str__)()} (see --help)")
                sys.exit(EXIT_USAGE)
            if "Abort" in kinds:
                _err("interrupted")
                sys.exit(130)
            if "ClickException" in kinds:
                _err(getattr(exc, "format_message", exc.__str__)())
                sys.exit(int(getattr(exc, "exit_code", EXIT_USAGE)))
            if "PluginError" in kinds:
                _err(str(exc))  # an installed plugin that cannot serve: its author's to mend
                sys.exit(EXIT_USAGE)
            _err(f"internal error: {type(exc).__name__}: {exc} (please report it)")
            sys.exit(EXIT_INTERNAL)
        if standalone:
            sys.exit(code if isinstance(code, int) else EXIT_OK)
        return code


def _one_line_warnings(show: Callable[..., None]) -> Callable[..., None]:
    """A plugin conflict (two packages claim one name) is one line, not a crash nor a source listing."""

    def shown(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if issubclass(category, PluginConflict):
            _err(f"warning: {message}")
        else:
            show(message, category, *args, **kwargs)

    return shown


app = typer.Typer(
    cls=_OneLineErrors,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    # Plain help, as click writes it: rich's help formatting imports rich and markdown-it, which
    # took most of ``hashmigrate --help``'s time (benchmarks/startup.py). Progress bars still use rich.
    rich_markup_mode=None,
    help="Move a Hashnode blog to Hugo, Jekyll, dev.to or WordPress.",
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
DEFAULT_STATE = Path(".hashmigrate") / "state.db"


class UsageError(Exception):
    """A mistake in how the command was called: one line, exit 2."""


def _parse_options(values: list[str] | None) -> dict[str, Any]:
    """``-O key=value`` as strings; the plugin's declared options convert them (``Option.convert``)."""
    options: dict[str, Any] = {}
    for value in values or []:
        key, sep, raw = value.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--option takes key=value, got {value!r}")
        options[key.strip().replace("-", "_")] = raw.strip()
    return options


# Options that convert and publish share, declared once.
TagsFromOption = Annotated[
    Path | None, typer.Option("--tags-from", help="Backup folder whose tags name a JSON export's tag ids.")
]
ExporterOptions = Annotated[
    list[str] | None, typer.Option("--option", "-O", help="Exporter option key=value (repeatable).")
]
ReportOption = Annotated[
    Path | None, typer.Option("--report", help="Write a JSON report of every post and note.")
]
NoRepairOption = Annotated[
    bool,
    typer.Option(
        "--no-repair", help="Leave garbled characters (UTF-8 read as Windows-1252 or Mac Roman) as written."
    ),
]
SourceArg = Annotated[
    Path, typer.Argument(help="Hashnode backup folder (or git checkout), post file, or JSON export.")
]


@app.command()
def convert(
    source: SourceArg,
    to: Annotated[str, typer.Option("--to", "-t", help="Target: see 'hashmigrate exporters'.")] = "hugo",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (omit for a dry run).")
    ] = None,
    drafts: Annotated[bool, typer.Option("--drafts", help="Convert drafts too.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be written; write nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite files that were changed since we wrote them.")
    ] = False,
    report: ReportOption = None,
    blog_url: Annotated[str | None, typer.Option("--blog-url", help="The blog's Hashnode address.")] = None,
    tags_from: TagsFromOption = None,
    option: ExporterOptions = None,
    redirects: Annotated[
        Path | None,
        typer.Option("--redirects", help="Write a map of every old Hashnode path to its new URL."),
    ] = None,
    redirects_format: Annotated[
        str, typer.Option("--redirects-format", help="netlify, nginx, apache or csv.")
    ] = "netlify",
    download_images: Annotated[
        bool, typer.Option("--download-images", help="Copy every image off the old host, beside its post.")
    ] = False,
    image_cache: Annotated[
        Path | None, typer.Option("--image-cache", help="Where downloaded images are kept between runs.")
    ] = None,
    image_concurrency: Annotated[
        int, typer.Option("--image-concurrency", min=1, max=64, help="Images fetched at once.")
    ] = 8,
    keep_links: Annotated[
        bool, typer.Option("--keep-links", help="Leave links between the blog's posts pointing at Hashnode.")
    ] = False,
    no_repair: NoRepairOption = False,
    site: Annotated[
        bool,
        typer.Option(
            "--site",
            help="Also write what a whole site needs (Hugo: hugo.toml and a layout; Jekyll: _config.yml "
            "and index.md), each only if it is not there yet.",
        ),
    ] = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Then compare every post's page with Hashnode's (hashmigrate verify).",
        ),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every note.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary and errors.")] = False,
) -> None:
    """Convert every post of SOURCE for one target platform."""
    try:
        options = _parse_options(option)
        if redirects_format not in links.REDIRECT_FORMATS:
            raise UsageError(f"--redirects-format must be one of {', '.join(links.REDIRECT_FORMATS)}")
        if registry.find(to) is None:
            raise registry.UnknownExporter(to, list(registry.available()))
        if out is None and not dry_run:
            raise UsageError("--out is required (or use --dry-run)")
        if verify and (dry_run or to not in _verifiable()):
            raise UsageError(
                "--verify needs a written --out"
                if dry_run
                else f"--verify: verify checks {', '.join(_verifiable())}"
            )
        if site and not callable(getattr(registry.create(to, **options), "scaffold", None)):
            raise UsageError(f"--site: the {to} exporter cannot write a whole site (hugo and jekyll can)")
        _check_file_option(report, "--report")
        _check_file_option(redirects, "--redirects")
        if out is not None and out.exists() and not out.is_dir():
            raise UsageError(f"{out}: --out must be a folder")
        if not source.exists():
            raise SourceError(f"{source}: no such file or folder")
        if out is not None and not dry_run:
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"{out}: cannot create the output folder: {exc.strerror or exc}") from None
        total = count_files(source) if source.exists() else None
        # Results stream: each post goes to the progress line and the report as it is done, and only
        # what the summary prints is kept (failures; every post's notes with --verbose).
        shown: list[PostResult] = []
        # --verify compares the posts as this run read and converted them: kept, not read again.
        kept: list[Post] | None = [] if verify and out is not None else None
        every: list[PostResult] = []
        with _Progress(total, quiet) as progress, _ReportStream(report) as stream:
            run = hashmigrate.convert_iter(
                source,
                to=to,
                out=out,
                drafts=drafts,
                force=force,
                dry_run=dry_run,
                blog_url=blog_url,
                tags_from=tags_from,
                options=options,
                links=not keep_links,
                download_images=download_images,
                image_cache=image_cache,
                image_concurrency=image_concurrency,
                repair=not no_repair,
                site_scaffold=site,
                keep_posts=kept,
            )
            with run:
                for post in run:
                    progress.update(post)
                    stream.add(post)
                    if kept is not None:
                        every.append(post)
                    if verbose or not post.ok:
                        shown.append(post)
            result = run.result
            written = stream.finish(result)
    except (UsageError, SourceError, registry.UnknownExporter, registry.OptionError) as exc:
        _err(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    if redirects is not None and not result.dry_run:
        text = links.write_redirects(result.redirects, redirects_format)
        written = _write_file(redirects, text, "redirect map") and written
    _summary(result, verbose, shown)
    verified = True
    if verify and out is not None and kept is not None:
        verified = _run_verify(
            out,
            source,
            to,
            blog_url=blog_url,
            drafts=drafts,
            options=options,
            links=not keep_links,
            report=None,
            download_images=download_images,
            image_cache=image_cache,
            converted=(kept, dataclasses.replace(result, posts=every)),
        )
    raise typer.Exit(EXIT_OK if result.ok and written and verified else EXIT_FAILED)


def _verifiable() -> list[str]:
    from hashmigrate.verification.targets import supported

    return supported()


def _run_verify(
    out: Path,
    source: Path,
    to: str,
    *,
    blog_url: str | None,
    drafts: bool,
    options: dict[str, Any],
    links: bool,
    report: Path | None,
    build: bool = True,
    verbose: bool = False,
    generator: str | None = None,
    site: Any = None,
    download_images: bool = False,
    image_cache: Path | None = None,
    converted: tuple[list[Post], ConvertResult] | None = None,
) -> bool:
    """Verify, print one line per post that differs and a summary; True when every post is as on Hashnode.
    ``site``: a WordPress site to read the posts back from (verification.wordpress_site.WordPressSite).
    ``converted``: the posts convert just read and its result for them, compared without reading the
    source again."""
    from hashmigrate.verification import VerifyError
    from hashmigrate.verification import verify as verify_pages
    from hashmigrate.verification.report import report_html
    from hashmigrate.verification.run import verify_posts

    # SourceError: a source with no posts to compare.
    failures: tuple[type[Exception], ...] = (VerifyError, SourceError)
    if site is not None:
        from hashmigrate.publish import DeliveryFailed, PublishAborted
        from hashmigrate.publish.state import StateError

        # The site or the state file could not be read (their messages carry no credentials).
        failures += (DeliveryFailed, PublishAborted, StateError)
    try:
        if converted is not None:
            posts, done = converted
            result = verify_posts(
                out,
                posts,
                to,
                blog_url=blog_url,
                drafts=drafts,
                options=options,
                links=links,
                build=build,
                generator_command=[generator] if generator else None,
                download_images=download_images,
                image_cache=image_cache,
                converted=done,
            )
        else:
            result = verify_pages(
                out,
                source,
                to,
                blog_url=blog_url,
                drafts=drafts,
                options=options,
                links=links,
                build=build,
                generator_command=[generator] if generator else None,
                site=site,
                download_images=download_images,
                image_cache=image_cache,
            )
    except failures as exc:
        _err(f"verify: {exc}")
        return False
    finally:
        if site is not None:
            site.posts.close()
    if not result.built:
        from hashmigrate.verification.targets import GENERATORS

        hint = f" (to build: {GENERATORS[to].install})" if build and to in GENERATORS else ""
        _say(f"verify: {result.method}{hint}")
    for line in result.problems:
        _err(line)
    for post in result.posts:
        for line in post.lines():
            _say(line)
        if verbose:
            for difference in post.differences:
                if difference.accepted:
                    _say(f"{post.source}: {difference.line()}")
    counts = result.counts()
    accepted = sum(1 for p in result.posts for d in p.differences if d.accepted)
    _say(
        f"verify {to} ({result.method}): {len(result.posts)} post(s), {counts['same']} as on Hashnode, "
        f"{counts['different']} different, {counts['unchecked']} unchecked"
        + (f"; {accepted} accepted difference(s) (--verbose lists them)" if accepted else "")
    )
    written = True
    if report is not None:
        written = _write_file(report, report_html(result), "report")
        if written:
            _say(f"report: {report}")
    return result.ok and written


@app.command("verify")
def verify_command(
    out: Annotated[Path, typer.Argument(help="The folder convert wrote.")],
    source: Annotated[
        Path, typer.Option("--source", "-s", help="The Hashnode source it was converted from.")
    ],
    to: Annotated[
        str,
        typer.Option("--to", "-t", help="The target it was converted for: hugo, jekyll, devto or wordpress."),
    ],
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write an HTML report: every post, side by side with Hashnode's."),
    ] = None,
    blog_url: Annotated[str | None, typer.Option("--blog-url", help="As given to convert.")] = None,
    drafts: Annotated[bool, typer.Option("--drafts", help="As given to convert.")] = False,
    option: ExporterOptions = None,
    keep_links: Annotated[bool, typer.Option("--keep-links", help="As given to convert.")] = False,
    no_build: Annotated[
        bool,
        typer.Option("--no-build", help="Check the Markdown level only, even with the generator installed."),
    ] = False,
    generator: Annotated[
        str | None,
        typer.Option("--generator", help="The hugo or jekyll program to build with (default: found)."),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also list the accepted differences.")
    ] = False,
    wp_url: Annotated[
        str | None,
        typer.Option(
            "--wp-url",
            help="WordPress: read the published posts back from this site (else WP_URL); as publish takes it.",
            envvar="WP_URL",
        ),
    ] = None,
    wp_user: Annotated[
        str | None, typer.Option("--wp-user", help="WordPress user (else WP_USER).", envvar="WP_USER")
    ] = None,
    state: Annotated[
        Path, typer.Option("--state", help="WordPress: publish's state file (the posts' ids on the site).")
    ] = DEFAULT_STATE,
    download_images: Annotated[
        bool, typer.Option("--download-images", help="As given to convert: images are local copies.")
    ] = False,
    image_cache: Annotated[
        Path | None, typer.Option("--image-cache", help="As given to convert (where the copies came from).")
    ] = None,
) -> None:
    """Compare every post's page on the target with the page Hashnode shows; exit 1 when any differs.

    Hugo and Jekyll sites are built with the real generator (in a temporary copy, with what --site would
    add when OUT is not a whole site); without it installed, the Markdown level is checked and it says so.
    dev.to articles are rendered as dev.to shows them, WordPress posts (from the WXR file) by WordPress's
    own block code when it is installed; with --wp-url, as that WordPress stored and shows them (read
    back through its REST API with WP_USER and WP_APP_PASSWORD, as publish sent them).
    """
    site = None
    try:
        options = _parse_options(option)
        if to not in _verifiable():
            raise UsageError(f"--to: verify checks {', '.join(_verifiable())}, not {to}")
        if not source.exists():
            raise SourceError(f"{source}: no such file or folder")
        if wp_url and to != "wordpress":
            raise UsageError(f"--wp-url: a site is read back only for --to wordpress, not {to}")
        if not out.is_dir() and not wp_url:
            raise UsageError(f"{out}: no such folder (convert into it first)")
        _check_file_option(report, "--report")
        if wp_url:
            site = _wordpress_site(options, wp_url, wp_user, state)
    except (UsageError, SourceError, registry.OptionError) as exc:
        _err(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    ok = _run_verify(
        out,
        source,
        to,
        blog_url=blog_url,
        drafts=drafts,
        options=options,
        links=not keep_links,
        report=report,
        build=not no_build,
        verbose=verbose,
        generator=generator,
        site=site,
        download_images=download_images,
        image_cache=image_cache,
    )
    raise typer.Exit(EXIT_OK if ok else EXIT_FAILED)


def _wordpress_site(options: dict[str, Any], url: str, user: str | None, state: Path) -> Any:
    """The site verify reads back, made exactly as publish makes its WordPress publisher (the
    password from WP_APP_PASSWORD only); ConfigError in one line when something is missing."""
    from hashmigrate.publish import ConfigError, PublishConfig, create_publisher
    from hashmigrate.verification.wordpress_site import StoredPosts, WordPressSite

    options = _publisher_options("wordpress", dict(options), url, user, False)
    try:
        publisher = create_publisher("wordpress", PublishConfig(exporter_options=options))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if not isinstance(publisher, StoredPosts):
        publisher.close()
        raise UsageError("--wp-url: the installed wordpress publisher cannot read posts back")
    return WordPressSite(publisher, state)


def _check_file_option(path: Path | None, flag: str) -> None:
    """A file the run writes at its end, checked before it starts: a mistake there must not cost a run."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{path}: {flag} must name a file, not a folder")
    folder = next((parent for parent in path.parents if parent.exists()), None)
    if folder is not None and not folder.is_dir():
        raise UsageError(f"{path}: {flag}: {folder} is a file, not a folder")


def _write_file(path: Path, text: str, what: str) -> bool:
    """Write the report (or redirect map); when its disk refuses, write it to the temporary folder
    instead and say where, so what the run learnt is not lost. False when it is not where asked."""
    data = text.encode("utf-8")
    try:
        atomic_write(path, data)
        return True
    except OSError as exc:
        problem = f"{path}: cannot write the {what}: {OutputError(path, exc).what}"
    try:
        fd, spare = tempfile.mkstemp(prefix=f"hashmigrate-{what.replace(' ', '-')}-", suffix=path.suffix)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        _err(f"{problem}; nor in {tempfile.gettempdir()}: {exc.strerror or exc}")
        return False
    _err(f"{problem}; written to {spare} instead")
    return False


_ORIGIN = {"cuid": "the post's id (approximate)", "ObjectId": "the draft's id (approximate)"}


def _summary(result: ConvertResult, verbose: bool, posts: list[PostResult]) -> None:
    """The run's summary; ``posts`` are the results the command kept (a streamed run keeps no others)."""
    counts = result.counts()
    for post in posts:
        if post.status in {"failed", "conflict"} and post.message:
            _err(post.message)
    for error in result.errors:
        _err(error)
    for warning in result.warnings:
        _say(f"warning: {warning}")
    where = f" in {result.out}" if result.out and not result.dry_run else ""
    mode = " (dry run: nothing written)" if result.dry_run else ""
    converted = sum(counts[s] for s in ("written", "unchanged", "would-write"))
    order: tuple[PostStatus, ...] = ("written", "would-write", "unchanged", "skipped", "conflict", "failed")
    parts = ", ".join(f"{counts[s]} {s}" for s in order if counts[s] or s in {"skipped", "failed"})
    _say(f"{converted} post(s) converted to {result.target}{where}{mode}: {parts}")
    if result.images is not None:
        images = result.images
        _say(
            f"images: {images.downloaded} downloaded, {images.cached} from the cache, {len(images.failed)} failed"
        )
    dated = result.date_counts()
    if dated:
        _say("dates: " + ", ".join(f"{n} from {_ORIGIN.get(o, o)}" for o, n in dated.most_common()))
    notes = result.note_counts()
    if notes:
        _say("notes: " + ", ".join(f"{n} {kind}" for kind, n in notes.most_common()))
    if verbose:
        for note in (n for post in posts for n in post.notes):
            _say(f"  note: {note.line()}")
    if result.site_files and not result.dry_run:
        _say("also written: " + ", ".join(result.site_files))
    if result.site_kept and not result.dry_run:
        _say("kept as they were (already there): " + ", ".join(result.site_kept))
    names = {Path(file).name for file in result.site_files}
    if "hugo.toml" in names:
        _say(f"see it: hugo server -s {result.out}")
    elif "_config.yml" in names:
        _say(f"see it: cd {result.out} && jekyll serve")
    elif result.advice:
        _say(f"next: {result.advice}")


class _ReportStream:
    """``--report``, written as the run goes: each post's entry is added to a file in the temporary
    folder as the post is done (a report of 100,000 posts is never held), then the summary, and the
    whole is moved where asked at the end (atomically). When the report's own disk refuses, it stays
    where it is and the run says so, as :func:`_write_file` does."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.spool: Path | None = None
        self.handle: Any = None
        self.first = True
        self.error: str | None = None

    def __enter__(self) -> _ReportStream:
        if self.path is not None:
            try:
                fd, name = tempfile.mkstemp(prefix="hashmigrate-report-", suffix=self.path.suffix)
                self.spool = Path(name)
                self.handle = os.fdopen(fd, "w", encoding="utf-8")
                self.handle.write('{\n"posts": [')
            except OSError as exc:
                self.error = exc.strerror or str(exc)
        return self

    def add(self, post: PostResult) -> None:
        if self.handle is None:
            return
        try:
            self.handle.write(("\n" if self.first else ",\n") + _as_json(post.as_dict()))
            self.first = False
        except OSError as exc:
            self.error = exc.strerror or str(exc)
            self._drop()

    def finish(self, result: ConvertResult) -> bool:
        """Write the summary and put the report in place; False when it is not where asked."""
        if self.path is None:
            return True
        if self.handle is None or self.spool is None:
            # The temporary folder refused: the report is written whole, from what the run kept.
            _err(f"{self.path}: the report could not be written as the run went: {self.error}")
            return _write_file(self.path, _as_json(result.as_dict()), "report")
        try:
            summary = _as_json(result.as_dict(posts=False))
            self.handle.write("\n],\n" + summary.removeprefix("{").lstrip("\n"))
            self.handle.close()
            self.handle = None
        except OSError as exc:
            self.error = exc.strerror or str(exc)
            self._drop()
            return self.finish(result)
        try:
            atomic_move(self.spool, self.path)
        except OSError as exc:
            _err(
                f"{self.path}: cannot write the report: {OutputError(self.path, exc).what}; "
                f"written to {self.spool} instead"
            )
            return False
        return True

    def _drop(self) -> None:
        with contextlib.suppress(OSError):
            if self.handle is not None:
                self.handle.close()
        self.handle = None
        if self.spool is not None:
            self.spool.unlink(missing_ok=True)
            self.spool = None

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:  # the run ended early (an error, Ctrl-C): no report
            self._drop()


class _Progress:
    """A bar on a terminal; one plain line per post otherwise (cron logs, CI)."""

    def __init__(self, total: int | None, quiet: bool) -> None:
        self.total = total
        self.quiet = quiet
        self.count = 0
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> _Progress:
        if not self.quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("converting"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("convert", total=self.total)
        return self

    def update(self, result: PostResult) -> None:
        self.count += 1
        if self.bar is not None:
            self.bar.advance(self.task)
        elif not self.quiet:
            of = f"/{self.total}" if self.total else ""
            _say(f"[{self.count}{of}] {result.status}: {result.slug or result.source}", err=True)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command()
def inspect(
    source: SourceArg,
    blog_url: Annotated[str | None, typer.Option("--blog-url")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    no_repair: NoRepairOption = False,
) -> None:
    """Show what a Hashnode source holds; writes nothing."""
    try:
        items = list(hashmigrate.read_all(source, drafts=True, blog_url=blog_url, repair=not no_repair))
    except SourceError as exc:
        _err(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    posts = [i for i in items if isinstance(i, Post)]
    problems = [i for i in items if not isinstance(i, Post)]
    constructs: Counter[str] = Counter()
    for post in posts:
        for node in post.body:
            if isinstance(node, Embed):
                constructs[f"embed:{node.provider}"] += 1
            elif isinstance(node, Image):
                constructs["image (aligned)" if node.align else "image"] += 1
                if node.link:
                    constructs["image in a link"] += 1
            elif isinstance(node, (Widget, Callout, Mention, Html)):
                constructs[type(node).__name__.lower()] += 1
    notes = Counter(n.kind for p in posts for n in p.notes)
    summary: dict[str, Any] = {
        "posts": sum(not p.draft for p in posts),
        "drafts": sum(p.draft for p in posts),
        "constructs": dict(sorted(constructs.items())),
        "notes": dict(notes.most_common()),
        "problems": [p.line_text() for p in problems],
        "not_posts": _not_posts(source),
    }
    if as_json:
        typer.echo(_as_json(summary))
        return
    _say(f"{source}: {summary['posts']} post(s), {summary['drafts']} draft(s)")
    for name, count in summary["constructs"].items():
        _say(f"  {name}: {count}")
    for kind, count in notes.most_common():
        _say(f"  note {kind}: {count}")
    for name in summary["not_posts"]:
        _say(f"  not a post, left alone: {name}")
    for line in summary["problems"]:
        _say(f"  {line}")


@app.command("publish")
def publish_command(
    source: SourceArg,
    to: Annotated[str, typer.Option("--to", "-t", help="Publisher: see 'hashmigrate exporters'.")],
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            help="API base URL (devto: DEVTO_API_URL, else https://dev.to/api; any Forem works).",
        ),
    ] = None,
    make_public: Annotated[
        bool,
        typer.Option("--publish", help="Publish the articles (default: drafts); they stay published."),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; send nothing.")] = False,
    state: Annotated[
        Path, typer.Option("--state", help="State file: what was published where.")
    ] = DEFAULT_STATE,  # same as hashmigrate.publish.DEFAULT_STATE (requests loads only to publish)
    drafts: Annotated[bool, typer.Option("--drafts", help="Send Hashnode drafts too (as drafts).")] = False,
    no_repair: NoRepairOption = False,
    blog_url: Annotated[
        str | None,
        typer.Option("--blog-url", help="The blog's Hashnode address (the articles' canonical URL)."),
    ] = None,
    tags_from: TagsFromOption = None,
    option: ExporterOptions = None,
    report: ReportOption = None,
    # -- WordPress only ---------------------------------------------------------------------------------
    wp_url: Annotated[
        str | None, typer.Option("--wp-url", help="WordPress site URL (else WP_URL).", envvar="WP_URL")
    ] = None,
    wp_user: Annotated[
        str | None, typer.Option("--wp-user", help="WordPress user (else WP_USER).", envvar="WP_USER")
    ] = None,
    upload_images: Annotated[
        bool,
        typer.Option("--upload-images", help="WordPress: upload cover and images to the media library."),
    ] = False,
    # ---------------------------------------------------------------------------------------------------
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every note.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary and errors.")] = False,
) -> None:
    """Publish every post of SOURCE through a platform's API; a re-run sends only what changed.

    The API key comes from the environment (DEVTO_API_KEY for devto) and is never printed or stored.
    """
    from hashmigrate.publish import ConfigError, StateError, publish

    try:
        options = _parse_options(option)
        _check_file_option(report, "--report")
        options = _publisher_options(to, options, wp_url, wp_user, upload_images)
        result = publish(
            source,
            to,
            state=state,
            api_url=api_url,
            make_public=make_public,
            dry_run=dry_run,
            drafts=drafts,
            repair=not no_repair,
            blog_url=blog_url,
            tags_from=tags_from,
            options=options,
            on_post=None if quiet else _publish_progress(dry_run),
        )
    except (UsageError, SourceError, ConfigError, StateError, registry.OptionError) as exc:
        _err(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    except TypeError as exc:
        if "unexpected keyword argument" in str(exc):
            _err(f"--option: {to} has no such option ({str(exc).split('argument')[-1].strip()})")
            raise typer.Exit(EXIT_USAGE) from None
        raise
    written = True
    if report is not None:
        written = _write_file(report, _as_json(result.as_dict()), "report")
    _publish_summary(result, verbose)
    raise typer.Exit(EXIT_OK if result.ok and written else EXIT_FAILED)


def _publisher_options(
    to: str, options: dict[str, Any], url: str | None, user: str | None, upload_images: bool
) -> dict[str, Any]:
    """The publisher's options with what its own flags say (--wp-url, --wp-user, --upload-images are
    the options wp_url, wp_user and upload_images of a publisher that declares them: WordPress's)."""
    from hashmigrate.publish import UnknownTarget

    try:
        declared = registry.options_of(to, registry.PUBLISHERS)
    except registry.UnknownPlugin:
        raise UnknownTarget(to) from None
    names = {option.name for option in declared or ()}
    flags: dict[str, Any] = {"wp_url": url, "wp_user": user, "upload_images": upload_images or None}
    for name, value in flags.items():
        if value is None:
            continue
        if name in names:
            options[name] = value
        elif name == "upload_images":
            raise UsageError(f"--upload-images is only for a publisher that uploads images ({to} does not)")
    return options


def _publish_progress(dry_run: bool) -> Callable[[PostResult], None]:
    """One line per post: on stdout for a dry run (it is the plan), on stderr while publishing."""

    def show(post: PostResult) -> None:
        where = f" -> {post.url}" if post.url else ""
        _say(f"{post.status}: {post.slug or post.source}{where}", err=not dry_run)

    return show


def _publish_summary(result: PublishResult, verbose: bool) -> None:
    for post in result.posts:
        if post.status == "failed" and post.message:
            _err(post.message)
    if result.aborted:
        _err(f"stopped: {result.aborted}")
    counts = result.counts()
    order: tuple[PostStatus, ...] = ("created", "updated", "adopted", "unchanged", "would-create")
    order += ("would-update", "skipped", "failed")
    parts = ", ".join(f"{counts[s]} {s}" for s in order if counts[s] or s in {"skipped", "failed"})
    sent = sum(counts[s] for s in ("created", "updated", "adopted", "unchanged"))
    if result.dry_run:
        planned = counts["would-create"] + counts["would-update"]
        _say(f"dry run for {result.target} ({result.endpoint}), nothing sent: {planned} to send; {parts}")
    else:
        _say(f"{sent} post(s) on {result.target} ({result.endpoint}): {parts}")
        http = result.http
        if http.get("requests"):
            _say(
                f"http: {http['requests']} request(s), {http['retries']} retried, "
                f"{http['waited_seconds']}s waiting to retry, {http['paced_seconds']}s pacing"
            )
        _say(f"state: {result.state}")
    dated = result.date_counts()
    if dated:
        _say("dates: " + ", ".join(f"{n} from {_ORIGIN.get(o, o)}" for o, n in dated.most_common()))
    notes = result.note_counts()
    if notes:
        _say("notes: " + ", ".join(f"{n} {kind}" for kind, n in notes.most_common()))
    if verbose:
        for note in result.notes:
            _say(f"  note: {note.line()}")


app.command("sync")(sync_command)


def _not_posts(source: Path) -> list[str]:
    """Files in a backup folder that are not posts (a README, a licence): listed, never converted."""
    from hashmigrate.hashnode.backup import post_files

    return [path.name for path in post_files(source)[1]] if source.is_dir() else []


@app.command("exporters")
def list_exporters() -> None:
    """List every installed exporter and publisher (built-in and third-party), with its options."""
    from hashmigrate.exporter import declared_options

    for title, group in (("exporters (convert --to, sync folder targets)", registry.EXPORTERS),
                         ("publishers (publish --to, sync API targets)", registry.PUBLISHERS)):  # fmt: skip
        _say(f"{title}:")
        chosen = registry.available(group)
        for plugin in registry.installed(group):
            shadowed = chosen.get(plugin.name) != plugin.entry
            name = plugin.full_name if shadowed else plugin.name
            try:
                loaded = plugin.entry.load()
            except Exception as exc:
                _say(f"  {name:12} (cannot be loaded: {type(exc).__name__}: {exc})  [{plugin.entry.value}]")
                continue
            _say(f"  {name:12} {getattr(loaded, 'description', '')}  [{plugin.entry.value}]")
            declared = declared_options(loaded)
            if declared is None:
                _say("      options: not declared (the plugin checks them itself)")
            for option in declared or ():
                _say(f"      -O {option.line()}")


def main() -> None:
    app()
