"""The redactor and the server-text sanitiser, as properties over generated secrets, messages and
escape sequences, and each place a message leaves the program (terminal, report, state file, log).

Example counts follow test_fuzz's profiles: ``dev`` by default, ``ci`` with ``HYPOTHESIS_PROFILE=ci``
or ``CI`` set.
"""

from __future__ import annotations

import html
import json
import logging
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock
from urllib.parse import quote, quote_plus

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from support.examples import examples

from hashmigrate import output, redaction
from hashmigrate.http import Secret, server_message
from hashmigrate.publish.state import StateStore
from hashmigrate.redaction import MASK, Redactor, clean, one_line, redact, url_has_credentials


@contextmanager
def only_secrets(*values: str) -> Iterator[Redactor]:
    """The process's redactor replaced by one that knows ``values`` only, so that generated secrets
    do not stay registered for the tests after this one."""
    fresh = Redactor()
    for value in values:
        fresh.add(value)
    with mock.patch.object(redaction, "SECRETS", fresh):
        yield fresh


# ---- strategies ---------------------------------------------------------------------------------------

# What credentials are made of (printable Latin-1, which HTTP headers can carry), with the characters
# every escaping scheme treats specially over-represented. No "*": the mask is made of it.
_SPECIAL = list("\"'\\/%+&<>#?=@: ;,{}[]é€")
secret_char = st.one_of(
    st.sampled_from(_SPECIAL),
    st.characters(min_codepoint=0x21, max_codepoint=0xFF, exclude_characters="*\x7f"),
).filter(lambda c: unicodedata.category(c)[0] != "C")
# Stripped, as hashmigrate strips a credential before using it.
secrets_ = (
    st.text(secret_char, min_size=redaction.MIN_LENGTH, max_size=40)
    .map(str.strip)
    .filter(lambda s: len(s) >= redaction.MIN_LENGTH)
)


def _mixed(secret: str, draw_bits: list[int]) -> str:
    """Each character in one of the forms a server may write it in, chosen per character."""
    out = []
    for i, c in enumerate(secret):
        pick = draw_bits[i % len(draw_bits)] % 5
        if pick == 1:
            out.append(quote(c, safe=""))
        elif pick == 2:
            out.append(json.dumps(c)[1:-1])
        elif pick == 3:
            out.append(f"&#{ord(c)};")
        elif pick == 4 and c in "\"'\\":
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


ENCODINGS: dict[str, Callable[[str, list[int]], str]] = {
    "raw": lambda s, _: s,
    "json": lambda s, _: json.dumps(s)[1:-1],
    "json-utf8": lambda s, _: json.dumps(s, ensure_ascii=False)[1:-1],
    "url": lambda s, _: quote(s, safe=""),
    "url-path": lambda s, _: quote(s),
    "form": lambda s, _: quote_plus(s),
    "html": lambda s, _: html.escape(s),
    "repr": lambda s, _: repr(s)[1:-1],
    "blanks-folded": lambda s, _: " ".join(s.split()),
    "blanks-dropped": lambda s, _: "".join(s.split()),
    "mixed": _mixed,
}
message_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=80)


# ---- the redactor -------------------------------------------------------------------------------------


@examples(300, 3000)
@given(
    secret=secrets_,
    encoding=st.sampled_from(sorted(ENCODINGS)),
    bits=st.lists(st.integers(0, 4), min_size=1, max_size=8),
    before=message_text,
    after=message_text,
    quote_char=st.sampled_from(["", "'", '"', "`", "<", "("]),
)
def test_a_secret_in_any_form_never_survives(
    secret: str, encoding: str, bits: list[int], before: str, after: str, quote_char: str
) -> None:
    form = ENCODINGS[encoding](secret, bits)
    with only_secrets(secret):
        text = redact(f"{before}{quote_char}{form}{quote_char}{after}")
    assert secret.strip() not in text
    assert form.strip() not in text
    assert MASK in text


@examples(200, 2000)
@given(secret=secrets_, message=message_text)
def test_text_without_a_secret_is_left_alone(secret: str, message: str) -> None:
    # Secrets drawn from Latin-1, messages from outside it: the two cannot overlap.
    safe = "".join(c for c in message if ord(c) > 0xFF)
    with only_secrets(secret):
        assert redact(safe) == safe


@examples(200, 2000)
@given(
    secret=secrets_,
    encoding=st.sampled_from(sorted(ENCODINGS)),
    padding=st.integers(0, 520),
    field=st.sampled_from(["error", "message", "text/plain"]),
)
def test_a_key_echoed_by_a_server_never_survives_the_http_layer(
    secret: str, encoding: str, padding: int, field: str
) -> None:
    """Also where the 500-character clip of an error message falls inside the echoed key. The words
    around the key are outside Latin-1, so any Latin-1 character left is a piece of the key."""
    said = "—" * padding + f" ключ «{ENCODINGS[encoding](secret, [1, 2, 3])}» неверен"
    response = requests.Response()
    response.status_code = 401
    response.reason = "Unauthorized"
    response.encoding = "utf-8"  # what requests takes from the Content-Type of a real answer
    if field == "text/plain":
        response._content = said.encode()
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
    else:
        response._content = json.dumps({field: said}).encode()
        response.headers["Content-Type"] = "application/json"
    with only_secrets(secret):
        message = server_message(response)
    assert set(message) <= set("— ключ«»неверн*…"), message


def test_each_form_by_hand() -> None:
    secret = 'sk-de"vto/FAKE 5f+2b9c€'
    with only_secrets(secret):
        for form in (
            secret,
            json.dumps(secret)[1:-1],
            quote(secret, safe=""),
            quote_plus(secret),
            html.escape(secret),
            'sk-de\\"vto/FAKE  5f+2b9c€',  # its own escaping, its blanks doubled
            "sk-de%22vto%2fFAKE%205f%2b2b9c%e2%82%ac",  # lower-case hex
        ):
            assert redact(f"invalid api-key '{form}'.") == f"invalid api-key '{MASK}'.", form


def test_a_secret_too_short_to_mask_is_ignored() -> None:
    with only_secrets("k", "pw", "abc12"):
        assert redact("a key, a pw, abc12") == "a key, a pw, abc12"


def test_a_secret_made_is_known() -> None:
    with only_secrets():
        Secret("sk-made-here-0001")
        assert redact("it was sk-made-here-0001") == f"it was {MASK}"


def test_the_credentials_in_a_url_are_found_and_remembered() -> None:
    with only_secrets():
        assert url_has_credentials("http://user:p%40ss-word@host/api")
        assert url_has_credentials("https://admin@host")
        assert url_has_credentials("user:hunter2hunter2@blog.example.dev")
        assert not url_has_credentials("https://dev.to/api?x=@y")
        assert redact("p@ss-word and p%40ss-word") == f"{MASK} and {MASK}"


def test_the_environment_credentials_are_remembered() -> None:
    with only_secrets():
        redaction.remember_environment(
            {"MY_KEY_VAR": "value-of-my-key", "CI_JOB_TOKEN": "tok-123456", "HOME": "/home/someone"},
            ["MY_KEY_VAR"],
        )
        assert redact("value-of-my-key tok-123456 /home/someone") == f"{MASK} {MASK} /home/someone"


# ---- every way out: terminal, report, state file, log ----------------------------------------------------


@examples(40, 300)
@given(secret=secrets_, encoding=st.sampled_from(sorted(ENCODINGS)), before=message_text)
def test_no_way_out_lets_a_secret_through(
    secret: str, encoding: str, before: str, capsys: pytest.CaptureFixture[str]
) -> None:
    form = ENCODINGS[encoding](secret, [0, 1, 2, 3, 4])
    message = f"{before} api-key {form}"
    with only_secrets(secret), tempfile.TemporaryDirectory() as folder:
        capsys.readouterr()
        output.say(message)
        output.error(message)
        report = output.as_json({"posts": [{"message": message, message: [message]}]})
        with StateStore(Path(folder) / "state.db") as store:
            store.begin("devto:x", "post", "0" * 64)
            store.failed("devto:x", "post", message)
            failed = store.get("devto:x", "post")
            store.delivered(
                "devto:x", "other", remote_id="1", remote_url=f"https://x/{form}", content_hash="0",
                public=False, outcome="created", message=message,
            )  # fmt: skip
            delivered = store.get("devto:x", "other")
            # As the sync stores it: JSON text, the message escaped once more.
            store.record_run("sync", "f", "devto:x", json.dumps({"failed": [message]}))
            run = store.last_run("sync")
        stored = b"".join(path.read_bytes() for path in Path(folder).iterdir())
        printed = capsys.readouterr()
    assert failed is not None and delivered is not None and run is not None
    texts = [printed.out, printed.err, report, failed.message or "", delivered.message or ""]
    texts += [delivered.remote_url or "", run.detail, json.loads(run.detail)["failed"][0]]
    for text in texts:
        assert secret.strip() not in text
        assert MASK in text
    assert secret.strip().encode() not in stored
    json.loads(report)


def test_a_log_record_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    with only_secrets("sk-logged-0002"), caplog.at_level(logging.INFO, logger="hashmigrate.http"):
        logging.getLogger("hashmigrate.http").info("failed (%s)", "invalid api-key sk-logged-0002")
    assert "sk-logged-0002" not in caplog.text and MASK in caplog.text


# ---- what a server wrote ------------------------------------------------------------------------------

csi = st.builds(
    lambda intro, params, final: intro + params + final,
    st.sampled_from(["\x1b[", "\x9b"]),
    st.text(st.sampled_from("0123456789;:?<=>"), max_size=8),
    st.characters(min_codepoint=0x40, max_codepoint=0x7E),
)
osc = st.builds(
    lambda intro, body, end: intro + body + end,
    st.sampled_from(["\x1b]", "\x9d", "\x1bP", "\x1b_"]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20),
    st.sampled_from(["\x07", "\x1b\\", "\x9c"]),
)
controls = st.sampled_from(["\x07", "\x08", "\x00", "\x7f", "\x8a", "\u202e", "\u2066", "\x1bc", "\x1b7"])
sequence = st.one_of(csi, osc, controls)
printable = st.text(
    st.characters(
        exclude_categories=["Cc", "Cs", "Zl", "Zp"],
        exclude_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    ),
    max_size=20,
)


@examples(300, 3000)
@given(st.lists(st.tuples(printable, sequence), max_size=6), printable)
def test_escape_sequences_are_removed_and_the_text_kept(pieces: list[tuple[str, str]], tail: str) -> None:
    text = "".join(a + b for a, b in pieces) + tail
    cleaned = clean(text)
    assert cleaned == "".join(a for a, _ in pieces) + tail
    assert not any(unicodedata.category(c) == "Cc" for c in cleaned)


@examples(300, 3000)
@given(st.text())
def test_nothing_a_server_says_reaches_the_terminal_raw(text: str) -> None:
    cleaned = clean(text)
    assert not any(unicodedata.category(c) == "Cc" or c in "\u2028\u2029\u202e\u2066" for c in cleaned)
    assert clean(cleaned) == cleaned
    shown = one_line(text)
    assert "\x1b" not in shown and "\n" not in shown and "\x9b" not in shown


def test_the_issue_sequences_by_hand() -> None:
    assert clean("\x1b[31mred\x1b[0m \x1b]0;title\x07done\nnext") == "red done next"
    assert clean("one\r\ntwo\x85three\u2028four\tfive") == "one two three four five"  # line breaks: a space
