"""The local dev.to stand-in must be as strict as dev.to, or publisher tests against it prove nothing."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import pytest
import requests
from support.forem_server import (
    KNOWN_LISTING_DEVIATIONS,
    V1_ACCEPT,
    Fault,
    FaultKind,
    ForemServer,
    RateLimit,
    RateLimits,
    check_liquid,
    response_problems,
)

# Harmless once tests/conftest.py registers the same plugin: pytest loads a plugin module only once.
pytest_plugins = ["support.forem_fixture"]

TIMEOUT = (2.0, 5.0)


def post(forem: ForemServer, article: dict[str, Any], **kwargs: Any) -> requests.Response:
    headers = kwargs.pop("headers", forem.headers)
    return requests.post(
        f"{forem.url}/articles", json={"article": article}, headers=headers, timeout=TIMEOUT, **kwargs
    )


def put(forem: ForemServer, article_id: int, article: dict[str, Any]) -> requests.Response:
    return requests.put(
        f"{forem.url}/articles/{article_id}",
        json={"article": article},
        headers=forem.headers,
        timeout=TIMEOUT,
    )


def get(forem: ForemServer, path: str, **params: Any) -> requests.Response:
    return requests.get(f"{forem.url}{path}", params=params, headers=forem.headers, timeout=TIMEOUT)


POST_BODY = "---\ntags: python, webdev\n---\n\nHello from **Hashnode**.\n"


def test_a_valid_create_succeeds_and_matches_the_spec(forem: ForemServer) -> None:
    response = post(
        forem,
        {
            "title": "Moving my blog",
            "body_markdown": POST_BODY,
            "published": True,
            "canonical_url": "https://blog.example.com/moving",
            "description": "Why and how",
            "main_image": "https://cdn.example.com/cover.png",
            "series": None,
        },
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["title"] == "Moving my blog"
    assert created["tag_list"] == "python, webdev"
    assert created["tags"] == ["python", "webdev"]
    assert created["canonical_url"] == "https://blog.example.com/moving"
    assert created["published_at"] and created["url"].endswith(created["slug"])
    assert response.headers["Location"] == created["url"]
    problems = response_problems(forem.spec, forem.spec.by_id["createArticle"], 201, created)
    assert problems == []
    assert [a.id for a in forem.articles] == [created["id"]]
    assert forem.violations == []
    assert [(r.method, r.status, r.applied) for r in forem.write_requests] == [("POST", 201, True)]


def test_tags_as_a_list_break_the_v1_spec_and_are_rejected(forem: ForemServer) -> None:
    assert forem.spec.schema("Article")["properties"]["article"]["properties"]["tags"] == {"type": "string"}

    response = post(forem, {"title": "T", "body_markdown": "b", "tags": ["python", "webdev"]})

    assert response.status_code == 422
    assert [(v.kind, v.rejected) for v in forem.violations] == [("schema", True)]
    assert "is not of type 'string'" in forem.violations[0].message
    assert forem.articles == []


def test_lenient_mode_answers_like_devto_but_still_records(forem: ForemServer) -> None:
    forem.reject_invalid = False

    response = post(forem, {"title": "T", "body_markdown": "b", "tags": ["python", "webdev"]})

    # Rails permits `tags: []`, so dev.to itself takes the array the spec forbids.
    assert response.status_code == 201
    assert response.json()["tags"] == ["python", "webdev"]
    assert [(v.kind, v.rejected) for v in forem.violations] == [("schema", False)]


def test_a_tags_string_in_the_payload_is_dropped_like_rails_does(forem: ForemServer) -> None:
    response = post(forem, {"title": "T", "body_markdown": "b", "tags": "python, webdev"})

    assert response.status_code == 201
    assert response.json()["tag_list"] == ""
    assert [(v.kind, v.rejected) for v in forem.violations] == [("dropped", False)]


def test_front_matter_wins_over_payload_fields(forem: ForemServer) -> None:
    body = "---\ntitle: Front: matter title\npublished: true\ntags: a1, b2\ncanonical_url: https://x.dev/p\n---\nHi"

    response = post(forem, {"title": "Payload title", "body_markdown": body, "published": False})

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["title"] == "Front: matter title"  # dev.to quotes titles with colons before YAML
    assert created["tags"] == ["a1", "b2"]
    assert created["canonical_url"] == "https://x.dev/p"
    assert created["published_at"] is not None
    assert forem.violations == []


def test_invalid_front_matter_is_rejected(forem: ForemServer) -> None:
    response = post(forem, {"title": "T", "body_markdown": "---\ntags: [a, b\n---\nHi"})

    assert response.status_code == 422
    assert forem.violations[0].kind == "content"


def test_missing_api_key_is_rejected_and_recorded(forem: ForemServer) -> None:
    response = post(forem, {"title": "T", "body_markdown": "b"}, headers={"accept": V1_ACCEPT})

    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "status": 401}
    assert [(v.kind, v.message) for v in forem.violations] == [("header", "api-key header missing")]
    assert forem.articles == []


def test_a_wrong_api_key_is_401_but_not_a_client_bug(forem: ForemServer) -> None:
    response = post(
        forem, {"title": "T", "body_markdown": "b"}, headers={"api-key": "no", "accept": V1_ACCEPT}
    )

    assert response.status_code == 401
    assert forem.violations == []


def test_missing_v1_accept_header_is_rejected_and_recorded(forem: ForemServer) -> None:
    response = post(forem, {"title": "T", "body_markdown": "b"}, headers={"api-key": forem.api_key})

    assert response.status_code == 400
    assert [v.kind for v in forem.violations] == ["header"]
    assert forem.articles == []


def test_a_non_json_content_type_is_rejected(forem: ForemServer) -> None:
    response = requests.post(
        f"{forem.url}/articles",
        data=b'{"article": {"title": "T"}}',
        headers={**forem.headers, "content-type": "text/plain"},
        timeout=TIMEOUT,
    )

    assert response.status_code == 422
    assert [v.kind for v in forem.violations] == ["header"]


def test_fields_outside_the_spec_and_a_missing_wrapper_are_recorded(forem: ForemServer) -> None:
    post(forem, {"title": "T", "body_markdown": "b", "cover_image": "https://x.dev/c.png"})
    unwrapped = requests.post(
        f"{forem.url}/articles", json={"title": "T2"}, headers=forem.headers, timeout=TIMEOUT
    )

    assert unwrapped.status_code == 422
    kinds = [(v.kind, v.rejected) for v in forem.violations]
    assert kinds == [("dropped", False), ("json", True)]
    assert "cover_image" in forem.violations[0].message


@pytest.mark.parametrize(
    ("tags", "error"),
    [
        ("a, b, c, d, e", "Tag list exceed the maximum of 4 tags"),
        ("web-dev", 'Tag "web-dev" contains non-alphanumeric'),
        ("c_sharp", 'Tag "c_sharp" contains non-alphanumeric'),
    ],
)
def test_devto_tag_rules(forem: ForemServer, tags: str, error: str) -> None:
    response = post(forem, {"title": "T", "body_markdown": f"---\ntags: {tags}\n---\nHi"})

    assert response.status_code == 422
    assert error in response.json()["error"]
    assert forem.violations[0].kind == "content"
    assert forem.articles == []


def test_four_tags_with_capitals_and_digits_are_fine(forem: ForemServer) -> None:
    response = post(forem, {"title": "T", "body_markdown": "---\ntags: Python, web3, AI, devops\n---\nHi"})

    assert response.status_code == 201
    assert response.json()["tags"] == ["python", "web3", "ai", "devops"]


def test_title_is_required(forem: ForemServer) -> None:
    response = post(forem, {"body_markdown": "No title"})

    assert response.status_code == 422
    assert response.json()["error"] == "Title can't be blank"


def test_a_liquid_variable_is_rejected_but_braces_in_code_are_not(forem: ForemServer) -> None:
    rejected = post(forem, {"title": "Vue", "body_markdown": "Use {{ message }} in templates."})
    accepted = post(
        forem,
        {"title": "Vue 2", "body_markdown": "Use `{{ message }}`:\n\n```html\n<p>{{ message }}</p>\n```\n"},
    )

    assert rejected.status_code == 422
    assert rejected.json()["error"] == "Liquid variables are disabled"
    assert accepted.status_code == 201, accepted.text
    assert len(forem.articles) == 1


def test_an_unknown_liquid_tag_is_stored_broken_as_on_devto(forem: ForemServer) -> None:
    response = post(forem, {"title": "T", "body_markdown": "{% hashnode-widget %}\n\nText"})

    assert response.status_code == 201
    assert response.json()["body_html"] == "Liquid syntax error: Unknown tag 'hashnode-widget'"
    assert [(v.kind, v.rejected) for v in forem.violations] == [("content", False)]


def test_an_unknown_liquid_tag_can_be_made_a_422(forem: ForemServer) -> None:
    forem.liquid_syntax_errors = "reject"

    response = post(forem, {"title": "T", "body_markdown": "{% hashnode-widget %}"})

    assert response.status_code == 422
    assert forem.articles == []


@pytest.mark.parametrize(
    ("markdown", "fatal", "syntax"),
    [
        ("{% embed https://youtu.be/dQw4w9WgXcQ %}", None, None),
        ("{% youtube dQw4w9WgXcQ %}", None, None),
        ("{% twitter 1453110110599868418 %}", None, None),
        ("{% twitter abc %}", "Invalid Twitter Id", None),
        ("{% gist 12345 %}", "Invalid Gist link: the URL must be https://gist.github.com/<user>/<id>", None),
        ("{% raw %}{{ x }}{% endraw %}", None, None),
        ("{% raw %}{{ x }}", None, "Liquid syntax error: 'raw' tag was never closed"),
        ("{% details Why %}because{% enddetails %}", None, None),
        ("{% details Why %}because", None, "Liquid syntax error: 'details' tag was never closed"),
    ],
)
def test_liquid_checks(markdown: str, fatal: str | None, syntax: str | None) -> None:
    report = check_liquid(markdown)

    assert (report.fatal, report.syntax_error) == (fatal, syntax)


def test_me_all_pages_with_drafts_first(forem: ForemServer) -> None:
    for number in range(3):
        forem.add_article(f"Published {number}", f"p{number}", published=True)
        time.sleep(0.002)
    for number in range(2):
        forem.add_article(f"Draft {number}", f"d{number}")
        time.sleep(0.002)

    pages = [get(forem, "/articles/me/all", page=page, per_page=2) for page in (1, 2, 3, 4)]

    assert [p.status_code for p in pages] == [200] * 4
    titles = [[item["title"] for item in page.json()] for page in pages]
    assert titles == [["Draft 1", "Draft 0"], ["Published 2", "Published 1"], ["Published 0"], []]
    assert [item["published"] for item in pages[0].json()] == [False, False]
    assert all(isinstance(item["tag_list"], list) for page in pages for item in page.json())
    assert len(get(forem, "/articles/me/all").json()) == 5  # per_page defaults to 30
    assert [a["title"] for a in get(forem, "/articles/me").json()] == [f"Published {n}" for n in (2, 1, 0)]
    assert forem.violations == []


@pytest.mark.parametrize("params", [{"per_page": 0}, {"per_page": 1001}, {"page": "two"}])
def test_out_of_range_paging_is_rejected(forem: ForemServer, params: dict[str, Any]) -> None:
    response = get(forem, "/articles/me/all", **params)

    assert response.status_code == 400
    assert [v.kind for v in forem.violations] == ["query"]


def test_update_publishes_a_draft_and_changes_its_slug(forem: ForemServer) -> None:
    draft = post(forem, {"title": "Later", "body_markdown": "Soon"}).json()
    assert "-temp-slug-" in draft["slug"]
    assert get(forem, f"/articles/{draft['id']}").status_code == 404  # drafts are not public

    updated = put(forem, draft["id"], {"published": True})

    assert updated.status_code == 200, updated.text
    assert "-temp-slug-" not in updated.json()["slug"]
    assert get(forem, f"/articles/{draft['id']}").json()["title"] == "Later"
    assert put(forem, 999_999, {"title": "x"}).status_code == 404
    assert forem.count("updateArticle") == 2
    assert forem.violations == []


def test_operations_outside_the_spec_are_404_and_recorded(forem: ForemServer) -> None:
    article = forem.add_article("T", "b", published=True)

    response = requests.delete(f"{forem.url}/articles/{article.id}", headers=forem.headers, timeout=TIMEOUT)

    assert response.status_code == 404
    assert [v.kind for v in forem.violations] == ["route"]
    assert len(forem.articles) == 1


def test_repeating_an_identical_create_is_422_not_a_duplicate(forem: ForemServer) -> None:
    article = {"title": "Same", "body_markdown": "Same body"}

    first, second = post(forem, article), post(forem, article)

    assert (first.status_code, second.status_code) == (201, 422)
    assert second.json()["error"] == "Body markdown has already been taken"
    assert len(forem.articles) == 1


def test_rate_limit_answers_429_with_retry_after_seconds(forem: ForemServer) -> None:
    forem.rate_limits = RateLimits(create=RateLimit(limit=2, window=1.0))

    statuses = [post(forem, {"title": f"T{n}", "body_markdown": f"b{n}"}) for n in range(3)]

    assert [r.status_code for r in statuses] == [201, 201, 429]
    limited = statuses[-1]
    seconds = int(limited.headers["Retry-After"])
    assert seconds == 1  # what is left of the 1 s window, rounded up
    assert limited.json()["error"] == f"Rate limit reached, try again in {seconds} seconds"
    time.sleep(seconds)
    assert post(forem, {"title": "T3", "body_markdown": "b3"}).status_code == 201
    assert len(forem.articles) == 3


@pytest.mark.parametrize("fmt", ["seconds", "http-date", "none"])
def test_injected_429_has_each_retry_after_form(forem: ForemServer, fmt: Any) -> None:
    forem.faults.script(Fault.rate_limited(3, fmt=fmt))

    response = post(forem, {"title": "T", "body_markdown": "b"})

    assert response.status_code == 429
    header = response.headers.get("Retry-After")
    if fmt == "seconds":
        assert header == "3"
    elif fmt == "http-date":
        assert header is not None
        assert email.utils.parsedate_to_datetime(header).timestamp() > time.time()
    else:
        assert header is None
    assert forem.articles == []  # injected before the write by default


def test_an_after_apply_fault_stores_the_article_but_the_client_sees_an_error(forem: ForemServer) -> None:
    forem.faults.script(Fault.error(502, after_apply=True, operations={"createArticle"}))

    listed = get(forem, "/articles/me/all")  # not a create, so the fault waits
    response = post(forem, {"title": "T", "body_markdown": "b"})

    assert listed.status_code == 200
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert [a.title for a in forem.articles] == ["T"]
    record = forem.write_requests[0]
    assert (record.status, record.fault, record.applied) == (502, FaultKind.BAD_GATEWAY, True)


def test_a_naive_retry_after_an_after_apply_fault_duplicates_when_the_body_changes(
    forem: ForemServer,
) -> None:
    forem.faults.script(Fault.error(503, after_apply=True))

    first = post(forem, {"title": "T", "body_markdown": "b <!-- try 1 -->"})
    second = post(forem, {"title": "T", "body_markdown": "b <!-- try 2 -->"})

    assert (first.status_code, second.status_code) == (503, 201)
    assert len(forem.articles) == 2
    assert len(forem.write_requests) == 2


def test_a_reset_before_apply_stores_nothing(forem: ForemServer) -> None:
    forem.faults.script(Fault.reset())

    with pytest.raises(requests.ConnectionError):
        post(forem, {"title": "T", "body_markdown": "b"})

    assert forem.articles == []
    assert forem.requests[0].status is None


def test_a_reset_mid_body_after_apply_stores_but_the_client_cannot_read(forem: ForemServer) -> None:
    forem.faults.script(Fault.reset_mid_body(after_apply=True))

    # urllib3 reports the short body as a ProtocolError, which requests raises as ChunkedEncodingError:
    # a RequestException, but not a ConnectionError.
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        post(forem, {"title": "T", "body_markdown": "b"})

    assert len(forem.articles) == 1


def test_malformed_json_after_apply(forem: ForemServer) -> None:
    forem.faults.script(Fault.malformed_json(after_apply=True))

    response = post(forem, {"title": "T", "body_markdown": "b"})

    assert response.status_code == 201
    with pytest.raises(requests.JSONDecodeError):
        response.json()
    assert len(forem.articles) == 1


def test_a_slow_answer_times_out_the_client_but_the_write_lands(forem: ForemServer) -> None:
    forem.faults.script(Fault.slow(0.6, after_apply=False))

    with pytest.raises(requests.ReadTimeout):
        requests.post(
            f"{forem.url}/articles",
            json={"article": {"title": "T", "body_markdown": "b"}},
            headers=forem.headers,
            timeout=(2.0, 0.2),
        )
    assert forem.articles == []  # still sleeping

    deadline = time.monotonic() + 5
    while not forem.articles and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(forem.articles) == 1


def test_random_faults_are_reproducible_with_a_seed(forem: ForemServer) -> None:
    def run() -> list[int]:
        forem.reset()
        forem.faults.randomly(0.5, [Fault.error(500), Fault.rate_limited(1)], seed=7)
        return [get(forem, "/articles/me/all").status_code for _ in range(12)]

    first, second = run(), run()

    assert first == second
    assert set(first) == {200, 429, 500}


def test_listing_responses_differ_from_articleindex_only_as_forem_does(forem: ForemServer) -> None:
    forem.add_article("Draft", "d")
    forem.add_article("Published", "p", published=True, tags=["python"])
    operation = forem.spec.by_id["getUserAllArticles"]
    body = get(forem, "/articles/me/all").json()

    raw_errors = forem.spec.errors(operation.response_schema(200) or {}, body)

    assert raw_errors, "the listing should deviate from ArticleIndex as Forem's me.json does"
    assert all(any(name in error for name in KNOWN_LISTING_DEVIATIONS) for error in raw_errors)
    assert response_problems(forem.spec, operation, 200, body) == []
    body[1]["id"] = "1"
    assert response_problems(forem.spec, operation, 200, body) == ["$[1].id: '1' is not of type 'integer'"]


def test_single_article_responses_match_the_spec_examples(forem: ForemServer) -> None:
    created = post(forem, {"title": "T", "body_markdown": "b", "published": True}).json()
    operation = forem.spec.by_id["getArticleById"]
    fetched = get(forem, f"/articles/{created['id']}").json()

    assert response_problems(forem.spec, operation, 200, fetched) == []
    del fetched["slug"]
    fetched["tags"] = "python"
    assert response_problems(forem.spec, operation, 200, fetched) == [
        "$.slug: missing (the spec's example has it)",
        "$.tags: string where the spec's example has array",
    ]
