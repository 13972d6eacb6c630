"""Publishing to dev.to against the local Forem stand-in: once, idempotently, through faults, without leaks.

Every scenario ends by checking that each post exists on the server exactly once and holds exactly the
rendered file, and that the server saw no request breaking the spec.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from support.forem_server import Fault, FaultKind, ForemServer, ForemSpec, RateLimit, RateLimits
from typer.testing import CliRunner

import hashmigrate
from exporters.devto_publish import DevtoPublisher
from hashmigrate import registry
from hashmigrate.cli import app
from hashmigrate.exporter import Site
from hashmigrate.http import Pacer, RetryPolicy, Secret
from hashmigrate.model import Markdown, Post
from hashmigrate.publish import PublishResult, StateStore, publish

# The dev.to stand-in's fixtures (forem, forem_spec); conftest.py is left as it is.
pytest_plugins = ["support.forem_fixture"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "blog"
BLOG_URL = "https://blog.example.dev"
POSTS = 10  # published posts in examples/blog after dropping the draft and the older copy
SECRETS_POST = "clj3xgic2000x089jf6lpj1d1.md"  # "GitHub Actions Secrets Without Tears"


def fast_policy(attempts: int = 6) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, base=0.02, max_wait=0.2, max_retry_after=0.2)


def devto(
    forem: ForemServer,
    *,
    policy: RetryPolicy | None = None,
    read_timeout: float = 5.0,
    create: tuple[int, float] = (1000, 1.0),
    update: tuple[int, float] = (1000, 1.0),
    key: str | None = None,
    settle: float = 0.0,
    **kwargs: Any,
) -> DevtoPublisher:
    return DevtoPublisher(
        Secret(forem.api_key if key is None else key),
        api_url=forem.url,
        blog_url=BLOG_URL,
        policy=policy or fast_policy(),
        timeout=(2.0, read_timeout),
        create_pacer=Pacer(*create),
        update_pacer=Pacer(*update),
        settle=settle,
        **kwargs,
    )


def run(source: Path | list[Post], state: Path, publisher: DevtoPublisher, **kwargs: Any) -> PublishResult:
    try:
        return publish(source, "devto", state=state, blog_url=BLOG_URL, publisher=publisher, **kwargs)
    finally:
        publisher.close()


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    """A copy of the examples blog that a test may edit."""
    return Path(shutil.copytree(EXAMPLES, tmp_path / "blog"))


def rendered(source: Path, *, public: bool = False) -> dict[str, str]:
    """Title -> the file dev.to should hold, for every post of ``source``."""
    exporter = registry.create("devto", published=public)
    site = Site(blog_url=BLOG_URL)
    return {
        p.title: exporter.render(p, site).files[0].content
        for p in hashmigrate.load(source, blog_url=BLOG_URL)
    }


def assert_each_post_once(forem: ForemServer, state: Path, expected: dict[str, str]) -> None:
    """Every post is on the server exactly once, holding exactly its rendered file, as the state says."""
    titles = Counter(a.title for a in forem.articles)
    assert {t: n for t, n in titles.items() if t in expected} == dict.fromkeys(expected, 1), titles
    by_title = {a.title: a for a in forem.articles}
    for title, content in expected.items():
        assert by_title[title].body_markdown == content, title
    with StateStore(state, readonly=True) as store:
        records = store.records(f"devto:{forem.url}")
    ids = [r.remote_id for r in records if r.remote_id]
    assert len(ids) == len(expected) == len(set(ids))
    assert {int(i) for i in ids} <= {a.id for a in forem.articles if a.title in expected}


def wait_for_stragglers(forem: ForemServer, timeout: float = 10.0) -> None:
    """Slow faults keep answering after the client gave up; wait until the server logged them all."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        injected = sum(1 for _, fault in forem.faults.injected if fault.kind is FaultKind.SLOW)
        if sum(1 for r in forem.requests if r.fault is FaultKind.SLOW) >= injected:
            return
        time.sleep(0.05)
    raise AssertionError("slow requests still running on the test server")


def only_uniqueness_rejections(forem: ForemServer) -> None:
    """The one violation a lost-answer retry may cause: dev.to refusing the same article twice."""
    assert all(v.kind == "content" and "has already been taken" in v.message for v in forem.violations), (
        forem.violations
    )


# ---- idempotence ------------------------------------------------------------------------------------


def test_republishing_sends_nothing_and_one_change_sends_one_update(
    forem: ForemServer, blog: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.db"
    first = run(blog, state, devto(forem))
    assert first.counts()["created"] == POSTS and first.ok
    assert forem.count("getUserAllArticles") == 1  # looked for existing articles once, before creating
    assert_each_post_once(forem, state, rendered(blog))

    before = len(forem.requests)
    second = run(blog, state, devto(forem))
    assert second.counts()["unchanged"] == POSTS and second.ok
    assert len(forem.requests) == before  # not a single request, so certainly no write

    post = blog / SECRETS_POST
    post.write_text(post.read_text() + "\n\nOne more thing: rotate your keys.\n")
    third = run(blog, state, devto(forem))
    assert third.counts() == Counter({"unchanged": POSTS - 1, "updated": 1, "skipped": 2})
    new = forem.requests[before:]
    assert [(r.method, r.operation, r.status) for r in new] == [("PUT", "updateArticle", 200)]
    assert len(forem.articles) == POSTS
    assert_each_post_once(forem, state, rendered(blog))
    assert forem.violations == []


def test_articles_already_on_the_account_are_adopted_not_duplicated(
    forem: ForemServer, tmp_path: Path
) -> None:
    expected = rendered(EXAMPLES)
    same = "GitHub Actions Secrets Without Tears"
    forem.add_article(same, expected[same])  # published by hand, identical
    forem.add_article("Old title", "old", canonical_url=f"{BLOG_URL}/postgres-indexes-explained")
    forem.add_article("Five Shell Aliases I Use Every Day", "old body")  # same title only
    unrelated = forem.add_article("Something else entirely", "keep me")
    state = tmp_path / "state.db"

    result = run(EXAMPLES, state, devto(forem, page_size=2))
    statuses = {p.slug: p.status for p in result.posts if p.slug}
    assert statuses["github-actions-secrets-without-tears"] == "adopted"
    assert statuses["postgres-indexes-explained"] == "adopted"
    assert statuses["five-shell-aliases-i-use-every-day"] == "adopted"
    assert result.counts()["created"] == POSTS - 3
    pages = [r.query for r in forem.requests if r.operation == "getUserAllArticles"]
    assert pages == ["page=1&per_page=2", "page=2&per_page=2", "page=3&per_page=2"]
    assert forem.count("updateArticle") == 2  # the identical one needed no write
    assert len(forem.articles) == POSTS + 1
    assert forem.article(unrelated.id) == unrelated
    assert_each_post_once(forem, state, expected)
    assert forem.violations == []


# ---- lost answers and crashes -----------------------------------------------------------------------

LOST_ANSWERS = {
    "reset after dev.to stored it": Fault.reset(after_apply=True),
    "500 after dev.to stored it": Fault.error(500, after_apply=True),
    "timeout, stored before": Fault.slow(1.5, after_apply=True),
    "timeout, stored after the client gave up": Fault.slow(1.5, after_apply=False),
    "success cut off mid-body": Fault.reset_mid_body(after_apply=True),
    "success with broken JSON": Fault.malformed_json(after_apply=True),
    "429 although it was stored": Fault.rate_limited(after_apply=True),
}


@pytest.mark.parametrize("fault", LOST_ANSWERS.values(), ids=LOST_ANSWERS.keys())
def test_a_create_whose_answer_is_lost_is_not_duplicated(
    forem: ForemServer, tmp_path: Path, fault: Fault
) -> None:
    source = EXAMPLES / SECRETS_POST
    forem.faults.script(Fault(**{**vars(fault), "operations": frozenset({"createArticle"})}))
    state = tmp_path / "state.db"
    # A request still running when the client gives up (1.5 s against 0.5 s) needs 1 s more to land.
    result = run(source, state, devto(forem, read_timeout=0.5, settle=1.2))
    wait_for_stragglers(forem)
    assert result.ok, [p.message for p in result.posts]
    assert [p.status for p in result.posts] in (["created"], ["adopted"])
    assert len(forem.articles) == 1
    assert_each_post_once(forem, state, rendered(source))
    only_uniqueness_rejections(forem)


def test_a_crash_between_the_create_and_the_state_write_is_reconciled(
    forem: ForemServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state.db"

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt  # the process dies right after dev.to stored the first article

    with monkeypatch.context() as patch:
        patch.setattr(StateStore, "delivered", killed)
        with pytest.raises(KeyboardInterrupt):
            run(EXAMPLES, state, devto(forem))
    assert len(forem.articles) == 1
    with StateStore(state, readonly=True) as store:
        (record,) = store.records(f"devto:{forem.url}")
    assert record.pending  # the intent was written before the create

    result = run(EXAMPLES, state, devto(forem))
    assert result.counts()["adopted"] == 1 and result.counts()["created"] == POSTS - 1
    assert forem.count("createArticle") == POSTS  # the first article was not sent again
    assert_each_post_once(forem, state, rendered(EXAMPLES))
    assert forem.violations == []


# ---- 30 % of responses failing ----------------------------------------------------------------------

FAULTS = [
    Fault.rate_limited(1.0),
    Fault.rate_limited(1.0, fmt="http-date"),
    Fault.error(500),
    Fault.error(500, after_apply=True),
    Fault.error(503, retry_after=1.0),
    Fault.reset(),
    Fault.reset(after_apply=True),
    Fault.slow(2.0, after_apply=True),  # a timeout: the read timeout below is 1 s
    Fault.slow(2.0, after_apply=False),
]


@pytest.mark.parametrize(("seed", "public"), [(1, False), (8, True), (99, True)])
def test_with_30_percent_of_responses_failing_every_post_is_published_once(
    forem: ForemServer, blog: Path, tmp_path: Path, seed: int, public: bool
) -> None:
    forem.faults.randomly(0.3, FAULTS, seed=seed)
    policy = fast_policy(attempts=10)
    read_timeout = 1.0
    settle = 1.5  # a slow fault answers 2 s late: 1 s after the client's read timeout, plus slack
    state = tmp_path / "state.db"

    started = time.monotonic()
    created = run(
        blog, state, devto(forem, policy=policy, read_timeout=read_timeout, settle=settle, make_public=public)
    )
    for post in blog.glob("c*.md"):  # then every post is edited: ten updates through the same faults
        post.write_text(post.read_text() + "\n\nEdited while dev.to was failing.\n")
    updated = run(blog, state, devto(forem, policy=policy, read_timeout=read_timeout, settle=settle))
    wall = time.monotonic() - started
    wait_for_stragglers(forem)

    assert created.ok and updated.ok, [p.message for p in (*created.posts, *updated.posts) if not p.ok]
    assert created.counts()["created"] + created.counts()["adopted"] == POSTS
    assert updated.counts()["updated"] == POSTS
    assert_each_post_once(forem, state, rendered(blog, public=public))
    assert all(a.published == public for a in forem.articles)
    only_uniqueness_rejections(forem)
    injected = len(forem.faults.injected)
    requests = len(forem.requests)
    retries = created.http["retries"] + updated.http["retries"]
    assert injected >= 5 and 0.15 <= injected / requests <= 0.5  # faults really happened, about 30 %
    assert retries >= injected - 2  # a fault on a create's look-up retries the look-up, not the create

    # The a-priori bound: each call at most `attempts` tries of one timeout plus the longest wait; a
    # create may settle and look the account up again before each retry.
    per_attempt = 2.0 + read_timeout
    listing = policy.worst_case(per_attempt)
    one_create = policy.worst_case(per_attempt) + (policy.attempts - 1) * (settle + listing)
    assert wall <= listing + POSTS * one_create + POSTS * policy.worst_case(per_attempt)
    # The bound from what happened: every request took at most one timeout, every retry one wait.
    assert wall <= requests * per_attempt + retries * (policy.max_retry_after + settle) + 5.0
    print(
        f"\n30% faults: {requests} requests, {injected} faults injected, {retries} retries, "
        f"wall {wall:.2f}s, statuses {Counter(str(r.status) for r in forem.requests)}"
    )

    # Unchanged posts stay unsent even while dev.to is failing.
    before = len(forem.requests)
    again = run(blog, state, devto(forem, policy=policy, read_timeout=read_timeout, settle=settle))
    assert again.counts()["unchanged"] == POSTS and len(forem.requests) == before


# ---- pacing and rate limits -------------------------------------------------------------------------


def test_pacing_keeps_under_devtos_limits(forem_spec: ForemSpec, tmp_path: Path) -> None:
    limits = RateLimits(create=RateLimit(4, 1.0), update=RateLimit(6, 1.0))
    with ForemServer(forem_spec, rate_limits=limits) as server:
        started = time.monotonic()
        # Our window is half a second longer than the server's, as latency can shift arrivals.
        result = run(EXAMPLES, tmp_path / "state.db", devto(server, create=(4, 1.5), update=(6, 1.5)))
        wall = time.monotonic() - started
        assert result.counts()["created"] == POSTS
        assert all(r.status != 429 for r in server.requests)
        assert wall >= 3.0  # ten creates at four per window need three windows
        assert server.violations == [] and server.internal_errors == []


def test_a_429_is_retried_after_retry_after(forem_spec: ForemSpec, tmp_path: Path) -> None:
    limits = RateLimits(create=RateLimit(4, 1.0))
    with ForemServer(forem_spec, rate_limits=limits) as server:
        policy = RetryPolicy(attempts=6, base=0.01, max_wait=0.05, max_retry_after=5.0)
        result = run(EXAMPLES, tmp_path / "state.db", devto(server, policy=policy))
        assert result.counts()["created"] == POSTS
        creates = [r for r in server.requests if r.operation == "createArticle"]
        limited = [i for i, r in enumerate(creates) if r.status == 429]
        assert limited, "the unpaced run should have hit the limit"
        for i in limited:
            # The server said "Retry-After: 1" (whole seconds); the next try waited for it.
            assert creates[i + 1].started - creates[i].finished >= 0.9
        assert len(server.articles) == POSTS


# ---- failures ---------------------------------------------------------------------------------------


def _post(title: str, slug: str) -> Post:
    return Post(
        title=title,
        slug=slug,
        body=(Markdown(f"Body of {slug}.\n"),),
        cuid=f"cl{slug:0>23}",
        source=f"{slug}.md",
        published=datetime(2023, 3, 14, 9, 30, tzinfo=UTC),
    )


def test_a_422_names_the_post_and_devtos_message_and_the_run_goes_on(
    forem: ForemServer, tmp_path: Path
) -> None:
    posts = [_post("", "untitled"), _post("A fine post", "fine")]
    result = run(posts, tmp_path / "state.db", devto(forem))
    failed, created = result.posts
    assert failed.status == "failed" and created.status == "created"
    assert failed.message is not None
    assert failed.message.startswith("untitled.md: dev.to rejected the article: ")
    assert "Title can't be blank" in failed.message
    assert forem.count("createArticle") == 2 and len(forem.articles) == 1
    assert not result.ok


def test_a_refused_api_key_stops_the_run_at_once(forem: ForemServer, tmp_path: Path) -> None:
    result = run(EXAMPLES, tmp_path / "state.db", devto(forem, key="not-the-key"))
    assert result.aborted is not None and "DEVTO_API_KEY" in result.aborted and "401" in result.aborted
    assert len(forem.requests) == 1 and forem.articles == []
    assert not result.ok


def test_a_published_article_stays_published(forem: ForemServer, blog: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    run(blog, state, devto(forem, make_public=True))
    assert all(a.published for a in forem.articles) and len(forem.articles) == POSTS
    before = len(forem.requests)
    assert run(blog, state, devto(forem)).counts()["unchanged"] == POSTS
    assert len(forem.requests) == before
    post = blog / SECRETS_POST
    post.write_text(post.read_text() + "\n\nEdited.\n")
    assert run(blog, state, devto(forem)).counts()["updated"] == 1
    assert all(a.published for a in forem.articles)
    assert_each_post_once(forem, state, rendered(blog, public=True))


def test_an_article_deleted_on_devto_is_created_again_when_its_post_changes(
    forem: ForemServer, blog: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.db"
    run(blog, state, devto(forem))
    forem.reset()  # every article gone from the account
    post = blog / SECRETS_POST
    post.write_text(post.read_text() + "\n\nEdited.\n")
    result = run(blog, state, devto(forem))
    changed = next(p for p in result.posts if p.slug == "github-actions-secrets-without-tears")
    assert changed.status == "created" and changed.message and "no longer exists" in changed.message
    assert [r.status for r in forem.requests if r.is_write] == [404, 201]
    assert len(forem.articles) == 1


# ---- the command ------------------------------------------------------------------------------------


def test_a_missing_api_key_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["publish", str(EXAMPLES), "--to", "devto", "--state", str(tmp_path / "s.db")],
        env={"DEVTO_API_KEY": None, "DEVTO_API_URL": None},
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "DEVTO_API_KEY" in result.stderr
    assert not (tmp_path / "s.db").exists()


def test_an_unknown_target_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["publish", str(EXAMPLES), "--to", "medium", "--state", str(tmp_path / "s")]
    )
    assert result.exit_code == 2 and "devto" in result.stderr


def test_dry_run_prints_the_plan_and_sends_nothing(forem: ForemServer, blog: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    env = {"DEVTO_API_KEY": forem.api_key, "DEVTO_API_URL": forem.url}
    args = ["publish", str(blog), "--to", "devto", "--state", str(state), "--blog-url", BLOG_URL, "--dry-run"]

    empty = CliRunner().invoke(app, args, env=env)
    assert empty.exit_code == 0, empty.output
    assert empty.stdout.count("would-create: ") == POSTS and not state.exists()

    run(blog, state, devto(forem))
    post = blog / SECRETS_POST
    post.write_text(post.read_text() + "\n\nEdited.\n")
    before, snapshot = len(forem.requests), state.read_bytes()
    plan = CliRunner().invoke(app, args, env={"DEVTO_API_KEY": None, "DEVTO_API_URL": forem.url})
    assert plan.exit_code == 0, plan.output
    assert plan.stdout.count("unchanged: ") == POSTS - 1
    assert "would-update: github-actions-secrets-without-tears -> https://dev.to/" in plan.stdout
    assert "nothing sent" in plan.stdout
    assert len(forem.requests) == before and state.read_bytes() == snapshot


def test_the_api_key_never_appears_in_output_report_state_or_logs(
    forem_spec: ForemSpec, blog: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key = "hm-" + secrets.token_hex(24)
    work = tmp_path / "work"
    work.mkdir()
    outputs: list[str] = []
    with ForemServer(forem_spec, api_key=key) as server:
        env = {**os.environ, "DEVTO_API_KEY": key, "DEVTO_API_URL": server.url}
        command = [sys.executable, "-c", "from hashmigrate.cli import main; main()", "publish", str(blog)]
        options = ["--to", "devto", "--blog-url", BLOG_URL, "--report", "report.json", "-v"]

        def cli(*extra: str, key_env: str = key) -> subprocess.CompletedProcess[str]:
            done = subprocess.run(
                [*command, *options, *extra],
                cwd=work,
                env={**env, "DEVTO_API_KEY": key_env},
                capture_output=True,
                text=True,
                timeout=300,
            )
            outputs.extend([done.stdout, done.stderr, (work / "report.json").read_text()])
            return done

        server.faults.script(Fault.error(500), Fault.rate_limited(1.0), Fault.reset(after_apply=True))
        first = cli()
        assert first.returncode == 0, first.stderr
        assert len(server.articles) == POSTS
        assert (work / ".hashmigrate" / "state.db").exists()  # the default state file
        report = json.loads((work / "report.json").read_text())
        assert report["counts"]["created"] + report["counts"].get("adopted", 0) == POSTS

        post = blog / SECRETS_POST
        post.write_text(post.read_text() + "\n\n{{ secrets.API_KEY }} stays a placeholder.\n")
        wrong = cli(key_env=key[::-1])
        assert wrong.returncode == 1 and "401" in wrong.stderr

        caplog.set_level("DEBUG")
        server.faults.script(Fault.error(502), Fault.error(503))
        run(
            blog,
            work / ".hashmigrate" / "state.db",
            DevtoPublisher(Secret(key), api_url=server.url, blog_url=BLOG_URL),
        )
        outputs.append(caplog.text)
        assert server.violations == []

    written = [p for p in work.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"report.json", "state.db"}
    for path in written:
        data = path.read_bytes()
        assert key.encode() not in data and key[::-1].encode() not in data, path
    for text in outputs:
        assert key not in text and key[::-1] not in text
