"""The GraphQL source against a local server that executes its queries on Hashnode's real schema.

The server's data are 230 real posts from the corpus, so reading them through the API must give the
same posts as reading the same files as a backup folder.
"""

from __future__ import annotations

import itertools
import json
import shutil
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from graphql import build_schema, parse, validate
from support.graphql_server import (
    SCHEMA,
    GraphQLServer,
    Publication,
    publication_from_posts,
    query_depth,
)
from support.graphql_server import Fault as GraphQLFault
from support.shared import shared_file

import hashmigrate
from hashmigrate.hashnode import Problem, SourceError
from hashmigrate.hashnode.api import DRAFTS_QUERY, POSTS_QUERY, read_api
from hashmigrate.hashnode.backup import CUID_FILE
from hashmigrate.hashnode.frontmatter import HANDLER
from hashmigrate.hashnode.text import decode
from hashmigrate.http import RetryPolicy, Secret, make_session
from hashmigrate.model import Post

pytestmark = pytest.mark.shared

HOST = "blog.example.dev"
BLOG_URL = f"https://{HOST}"
TOKEN = "hn-pat-3f9c2a7e-secret-value"
POSTS = 230
FORBIDDEN_LINE = (
    f"{HOST}: Hashnode's GraphQL API answers FORBIDDEN: since May 2026 publication(host:) needs a "
    "Hashnode Pro plan; use the GitHub backup folder or the JSON export instead"
)
# What the API and a backup file both know about a published post.
FIELDS = (
    "title", "slug", "cuid", "subtitle", "published", "updated", "tags", "body", "cover", "og_image",
    "seo_title", "seo_description", "canonical_url", "series", "draft", "hashnode_url",
)  # fmt: skip


def fast_policy(waits: list[float], attempts: int = 4) -> RetryPolicy:
    """Retries that never sleep: the waits asked for are recorded instead."""
    return RetryPolicy(attempts=attempts, base=0.001, max_wait=0.01, sleep=waits.append)


def view(post: Post) -> dict[str, Any]:
    return {name: getattr(post, name) for name in FIELDS}


def front_matter_files(corpus: Path) -> Iterator[tuple[Path, str]]:
    """(file, slug) of new-format post files, taking one file from each corpus repo in turn."""
    queues = []
    for repo in sorted(p for p in corpus.iterdir() if p.is_dir()):
        queues.append(sorted(p for p in repo.iterdir() if CUID_FILE.match(p.name)))
    while any(queues):
        for queue in queues:
            if not queue:
                continue
            path = queue.pop(0)
            text, _ = decode(path.read_bytes())
            block, _ = HANDLER.split(text)
            if not block:
                continue
            meta = HANDLER.load(block)
            if meta.get("title") and meta.get("slug") and meta.get("datePublished"):
                yield path, str(meta["slug"])


@pytest.fixture(scope="module")
def backup(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup folder of 230 real front-matter posts from several blogs, each slug once."""
    folder = tmp_path_factory.mktemp("backup")
    slugs: set[str] = set()
    for path, slug in front_matter_files(corpus_dir):
        if slug in slugs:
            continue
        slugs.add(slug)
        shutil.copyfile(path, folder / path.name)
        if len(slugs) == POSTS:
            break
    assert len(slugs) == POSTS, f"the corpus has only {len(slugs)} front-matter posts with distinct slugs"
    return folder


@pytest.fixture(scope="module")
def backup_posts(backup: Path) -> list[Post]:
    problems: list[Problem] = []
    posts = list(hashmigrate.load(backup, blog_url=BLOG_URL, problems=problems))
    assert not problems
    assert len(posts) == POSTS
    return posts


@pytest.fixture(scope="module")
def publication(backup_posts: list[Post]) -> Publication:
    return publication_from_posts(backup_posts, host=HOST, url=BLOG_URL)


@pytest.fixture
def server(publication: Publication) -> Iterator[GraphQLServer]:
    with GraphQLServer(publication, token=TOKEN) as running:
        yield running
    # Whatever a test did, every query the client sent must have been valid on Hashnode's schema.
    assert not running.validation_errors
    assert not running.internal_errors


def posts_of(items: list[Post | Problem]) -> list[Post]:
    assert not [i for i in items if isinstance(i, Problem)]
    return [i for i in items if isinstance(i, Post)]


def full_traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc.args)


# ---- (a) paging: the same posts as the backup folder ------------------------------------------------


def test_pages_through_230_posts_and_yields_the_backup_folders_posts(
    server: GraphQLServer, backup_posts: list[Post]
) -> None:
    posts = posts_of(list(read_api(HOST, endpoint=server.url, policy=fast_policy([]))))

    assert len(posts) == POSTS
    by_slug = {post.slug: post for post in backup_posts}
    assert {post.slug for post in posts} == set(by_slug)
    different = [post.slug for post in posts if view(post) != view(by_slug[post.slug])]
    assert not different, f"{len(different)} posts differ, e.g. {different[0]}"
    # Real posts, not trivial ones: tags and Hashnode-only constructs came through.
    assert sum(bool(post.tags) for post in posts) > POSTS // 2
    assert sum(len(post.body) > 1 for post in posts) > 10
    # Newest first, as Hashnode lists them.
    dates = [post.published for post in posts]
    assert all(d is not None for d in dates)
    assert dates == sorted(dates, reverse=True)

    sent = server.graphql_requests()
    assert len(sent) == len(server.requests) == 5
    assert [r.variables["first"] for r in sent] == [50] * 5
    pages = [r.response["data"]["publication"]["posts"] for r in sent]
    assert [len(page["edges"]) for page in pages] == [50, 50, 50, 50, 30]
    assert [r.variables["after"] for r in sent] == [None] + [p["pageInfo"]["endCursor"] for p in pages[:-1]]
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, True, True, False]
    assert {r.variables["host"] for r in sent} == {HOST}
    assert {r.query for r in sent} == {POSTS_QUERY}


def test_page_size_is_clamped_to_50_and_smaller_pages_work(server: GraphQLServer) -> None:
    assert len(posts_of(list(read_api(HOST, endpoint=server.url, page_size=500)))) == POSTS
    assert {r.variables["first"] for r in server.graphql_requests()} == {50}
    server.requests.clear()
    assert (
        len(posts_of(list(read_api(f"https://{HOST}/some-post", endpoint=server.url, page_size=40)))) == POSTS
    )
    assert [r.variables["first"] for r in server.graphql_requests()] == [40] * 6


def test_drafts_come_after_the_posts_with_a_token(corpus_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backup"
    folder.mkdir()
    drafts = [p for p in sorted(corpus_dir.glob("*/draft-*.md")) if p.read_bytes().startswith(b"---")][:3]
    posts = [path for path, _ in itertools.islice(front_matter_files(corpus_dir), 2)]
    assert len(drafts) == 3
    for path in drafts + posts:
        shutil.copyfile(path, folder / path.name)
    loaded = list(hashmigrate.load(folder, drafts=True, blog_url=BLOG_URL))
    assert sum(post.draft for post in loaded) == 3

    with GraphQLServer(publication_from_posts(loaded, host=HOST), token=TOKEN) as server:
        read = posts_of(
            list(read_api(HOST, endpoint=server.url, token=Secret(f"Bearer {TOKEN}"), drafts=True))
        )
        with pytest.raises(SourceError) as refused:
            list(read_api(HOST, endpoint=server.url, token=Secret("not-the-token"), drafts=True))
    assert not server.validation_errors
    assert not server.internal_errors

    assert [post.draft for post in read] == [False, False, True, True, True]
    assert [r.query for r in server.graphql_requests()[:2]] == [POSTS_QUERY, DRAFTS_QUERY]
    expected = {post.slug: post for post in loaded if post.draft}
    for post in read[2:]:
        want = expected[post.slug]
        assert (post.title, post.body, post.tags, post.hashnode_url) == (
            want.title,
            want.body,
            want.tags,
            None,
        )
    assert str(refused.value) == (
        f"{HOST}: Hashnode's GraphQL API answers UNAUTHENTICATED: "
        "the Personal Access Token was refused; check it in the Hashnode dashboard"
    )


def test_drafts_without_a_token_are_refused_before_any_request() -> None:
    with pytest.raises(SourceError, match="needs a Personal Access Token"):
        read_api(HOST, endpoint="http://127.0.0.1:9", drafts=True)


# ---- (b) Pro gating and other dead ends: one clear line -----------------------------------------------


def test_forbidden_is_one_clear_line_and_is_not_retried(publication: Publication) -> None:
    waits: list[float] = []
    with GraphQLServer(publication, forbidden=True) as server, pytest.raises(SourceError) as caught:
        list(read_api(HOST, endpoint=server.url, policy=fast_policy(waits)))
    assert str(caught.value) == FORBIDDEN_LINE
    assert len(server.requests) == 1 and not waits
    # The server answered as Hashnode documents it: HTTP 200, code FORBIDDEN, the Pro-plan message.
    record = server.requests[0]
    assert record.status == 200
    assert record.response["data"] == {"publication": None}
    (error,) = record.response["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN"}
    assert error["message"].startswith("Publication does not have an active Pro plan.")
    assert not server.validation_errors


def test_a_host_with_no_publication_is_one_clear_line(server: GraphQLServer) -> None:
    with pytest.raises(SourceError) as caught:
        list(read_api("nobody.example.dev", endpoint=server.url))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("nobody.example.dev: Hashnode has no publication at this host")


def test_an_endpoint_that_is_not_graphql_is_one_clear_line(server: GraphQLServer) -> None:
    with pytest.raises(SourceError) as caught:
        list(read_api(HOST, endpoint="not a url"))
    assert "must be an http(s) URL" in str(caught.value)
    server.fail_next(404)
    with pytest.raises(SourceError) as caught:
        list(read_api(HOST, endpoint=server.url, policy=fast_policy([])))
    assert str(caught.value).startswith(
        f"{HOST}: {server.url} refused the query (HTTP 404): Request failed with status 404"
    )
    assert len(server.requests) == 1


# ---- (c) 429 and 5xx are retried -------------------------------------------------------------------


def test_429_with_retry_after_and_a_503_are_retried_and_every_post_still_arrives(
    server: GraphQLServer,
) -> None:
    waits: list[float] = []
    server.fail_next(429, retry_after="2")
    server.fail_next(503, after=2)  # the second page's first attempt
    posts = posts_of(list(read_api(HOST, endpoint=server.url, policy=fast_policy(waits))))

    assert len(posts) == POSTS
    assert len({post.slug for post in posts}) == POSTS
    assert [r.status for r in server.requests] == [429, 200, 503, 200, 200, 200, 200]
    assert len(waits) == 2
    assert waits[0] == 2.0  # Retry-After honoured
    assert 0 < waits[1] <= 0.01  # backoff of the policy


def test_a_server_that_keeps_failing_gives_one_line_after_the_policys_attempts(server: GraphQLServer) -> None:
    server.fail_next(503, times=10)
    with pytest.raises(SourceError) as caught:
        list(read_api(HOST, endpoint=server.url, policy=fast_policy([], attempts=3)))
    assert len(server.requests) == 3
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{HOST}: Hashnode's GraphQL API at {server.url} kept failing (HTTP 503)")
    server.faults.clear()


def test_a_failure_after_some_pages_raises_instead_of_ending_the_listing(server: GraphQLServer) -> None:
    server.fail_next(500, times=5, after=2)
    seen: list[Post | Problem] = []
    with pytest.raises(SourceError, match="kept failing"):
        seen.extend(read_api(HOST, endpoint=server.url, policy=fast_policy([], attempts=2)))
    assert len(seen) == 100
    server.faults.clear()


# ---- (d) the token travels as a header only ---------------------------------------------------------


def test_the_token_is_sent_as_the_authorization_header_only(server: GraphQLServer) -> None:
    posts_of(list(read_api(HOST, endpoint=server.url, token=Secret(TOKEN + "\n"))))
    with make_session() as session:
        posts_of(list(read_api(HOST, endpoint=server.url, token=Secret(TOKEN), session=session)))
        assert TOKEN not in json.dumps(dict(session.headers))
    assert len(server.requests) == 10
    for record in server.requests:
        assert record.header("Authorization") == TOKEN
        others = {k: v for k, v in record.headers.items() if k.lower() != "authorization"}
        assert TOKEN not in record.body + record.path + json.dumps(others)
    server.requests.clear()
    posts_of(list(read_api(HOST, endpoint=server.url)))
    assert all(r.header("Authorization") is None for r in server.requests)


@pytest.mark.parametrize("status", [200, 400, 401])
def test_an_error_that_echoes_the_token_or_drives_the_terminal_is_cleaned(
    publication: Publication, status: int
) -> None:
    """A GraphQL ``errors`` answer (with 200, or with an HTTP error) that quotes the token and holds
    terminal escape sequences: the one-line error has neither."""
    said = f'token "{TOKEN}" refused \x1b]0;pwned\x07\x1b[31mnow\x1b[0m\u202e'
    body = json.dumps({"errors": [{"message": said, "extensions": {"code": "BAD_USER_INPUT"}}]}).encode()
    with GraphQLServer(publication, token=TOKEN) as server:
        server.faults[0] = GraphQLFault(status, None, body, "application/json")
        with pytest.raises(SourceError) as caught:
            list(read_api(HOST, endpoint=server.url, token=Secret(TOKEN), policy=fast_policy([], attempts=1)))
    text = str(caught.value)
    assert 'token "***" refused now' in text
    assert TOKEN not in full_traceback(caught.value)
    assert not any(c in text for c in "\x1b\x07\u202e\n")


def test_the_token_never_appears_in_an_error(publication: Publication) -> None:
    secret = Secret(TOKEN)
    failures: list[SourceError] = []
    with GraphQLServer(publication, forbidden=True) as forbidden:
        with pytest.raises(SourceError) as caught:
            list(read_api(HOST, endpoint=forbidden.url, token=secret))
        failures.append(caught.value)
    with GraphQLServer(publication, token="another") as server:
        with pytest.raises(SourceError) as caught:
            list(read_api(HOST, endpoint=server.url, token=secret, drafts=True))
        failures.append(caught.value)
        for status in (401, 403, 400, 503):
            server.fail_next(status, times=3)
            with pytest.raises(SourceError) as caught:
                list(read_api(HOST, endpoint=server.url, token=secret, policy=fast_policy([], attempts=3)))
            failures.append(caught.value)
            server.faults.clear()
    with pytest.raises(SourceError) as caught:
        list(read_api(HOST, endpoint="http://127.0.0.1:9", token=secret, policy=fast_policy([], attempts=1)))
    failures.append(caught.value)
    assert len(failures) == 7
    for failure in failures:
        assert "\n" not in str(failure)
        assert TOKEN not in full_traceback(failure)
    assert "refused the Personal Access Token (HTTP 401)" in str(failures[2])
    assert "cannot reach Hashnode's GraphQL API" in str(failures[-1])


# ---- (e) every query is valid on Hashnode's schema --------------------------------------------------


def test_the_queries_are_valid_on_the_real_schema_and_under_the_depth_limit() -> None:
    schema = build_schema(shared_file(*SCHEMA).read_text(encoding="utf-8"))
    for query in (POSTS_QUERY, DRAFTS_QUERY):
        document = parse(query)
        assert validate(schema, document) == []
        assert query_depth(document) < 10


def test_the_server_really_validates_what_it_is_sent(server: GraphQLServer) -> None:
    bad = POSTS_QUERY.replace("canonicalUrl", "canonicalURL")
    answer = requests.post(
        server.url, json={"query": bad, "variables": {"host": HOST, "first": 5}}, timeout=10
    )
    assert answer.status_code == 400
    (error,) = answer.json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "canonicalURL" in error["message"]
    assert server.validation_errors == [error["message"]]
    deep = "query { publication(host: %s) { posts(first: 1) { edges { node { series { posts(first: 1) { edges { node { series { posts(first: 1) { edges { node { id } } } } } } } } } } } } }"
    answer = requests.post(server.url, json={"query": deep % json.dumps(HOST)}, timeout=10)
    assert answer.status_code == 400
    assert "maximum allowed depth of 10" in answer.json()["errors"][0]["message"]
    server.validation_errors.clear()


def test_an_api_post_with_half_a_character_is_read_with_a_replacement_and_a_note() -> None:
    # The API's JSON may hold "\ud800" (half a character): writing such a post stopped the whole run.
    from hashmigrate.hashnode.api import _once

    node = {
        "id": "1", "slug": "half", "title": "Half \ud800", "cuid": "clq0000000000000000000001",
        "publishedAt": "2024-01-02T03:04:05Z", "content": {"markdown": "Text \udfff\n"},
    }  # fmt: skip
    (post,) = list(
        _once(node, "https://blog.example.dev", "blog.example.dev", set(), draft=False, repair=True)
    )
    assert isinstance(post, hashmigrate.Post) and post.title == "Half \ufffd"
    assert "Text \ufffd" in post.tree.source
    assert [n.kind for n in post.notes if n.kind == "encoding"] == ["encoding"]
