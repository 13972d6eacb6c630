"""Secrets out of every message, and a server's text made safe to print: the one place for each.

:func:`redact` is what every line printed, every report written and every message stored in the state
file passes through. It masks every secret the run knows (:data:`SECRETS`): each
:class:`hashmigrate.http.Secret` registers itself when made, the run registers the environment variables
that hold credentials (:func:`remember_environment`), and a URL's password is registered as soon as it is
seen (:func:`url_has_credentials`). A server that echoes a key may also escape it its own way (JSON
``\\u``/backslash escapes, %-encoding, HTML entities, ``+`` for a space, its whitespace folded), so each
character of a secret matches in any of those forms, mixed as the server likes.

:func:`clean` is for text a server wrote (an error body, a URL in an answer): terminal escape sequences
and control characters go, so that an answer cannot recolour, retitle or rewrite the user's terminal.
"""

from __future__ import annotations

import base64
import html.entities
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

MASK = "***"
# Shorter values would mask ordinary words in every message; no credential a platform issues is that short.
MIN_LENGTH = 6
# The variables hashmigrate reads credentials from by default (a sync config may name others).
CREDENTIAL_VARIABLES = ("DEVTO_API_KEY", "WP_APP_PASSWORD", "HASHNODE_TOKEN")
# Environment variables whose values are masked although the run may never use them: a CI job's tokens.
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIALS?)$", re.IGNORECASE)


class Redactor:
    """A set of secrets and the one pattern that finds any of them, in any of the forms a server writes."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        """Mask ``value`` (surrounding whitespace aside) from now on; too short a value is ignored."""
        value = value.strip()
        if len(value) < MIN_LENGTH:
            return
        forms = {value, base64.b64encode(value.encode("utf-8")).decode("ascii")}
        with self._lock:
            if forms <= self._secrets:
                return
            self._secrets |= forms
            # Longest first: a secret that contains another is masked whole.
            ordered = sorted(self._secrets, key=lambda s: (-len(s), s))
            self._pattern = re.compile("|".join(_pattern(s) for s in ordered))

    def __contains__(self, value: str) -> bool:
        return value.strip() in self._secrets

    def redact(self, text: str) -> str:
        pattern = self._pattern
        return text if pattern is None else pattern.sub(MASK, text)


def _pattern(secret: str) -> str:
    """A regex for ``secret`` with each character in any of its escaped forms and whitespace folded."""
    parts: list[str] = []
    for piece in re.split(r"(\s+)", secret):
        if not piece:
            continue
        if piece.isspace():
            # A server may fold, drop or encode the blanks of a pasted password ("abcd efgh").
            blanks = [r"\s", r"\+", *(_char(c) for c in sorted({*piece, " "}))]
            parts.append("(?:" + "|".join(blanks) + ")*")
        else:
            parts.extend(_char(c) for c in piece)
    return "".join(parts)


def _char(c: str) -> str:
    code = ord(c)
    # Backslash-escaped (JSON's \" and \/, a shell's \$), once or as often as it was encoded again. The
    # character as is comes last: tried first, a "%", "&" or "\\" would match alone and leave the rest of
    # its escape ("%25", "&amp;", "\\\\") behind.
    forms = [r"\\+" + re.escape(c)]
    forms.append("".join(f"%(?i:{b:02x})" for b in c.encode("utf-8")))  # %-encoded, either hex case
    if code <= 0xFFFF:
        forms.append(f"\\\\+u(?i:{code:04x})")
    else:  # JSON writes it as a surrogate pair
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(f"\\\\+u(?i:{high:04x})\\\\+u(?i:{low:04x})")
    if code < 0x100:
        forms.append(f"\\\\+x(?i:{code:02x})")
    forms.append(f"&#0*{code};")
    forms.append(f"&#(?i:x0*{code:x});")
    name = html.entities.codepoint2name.get(code)
    if name is not None:
        forms.append(f"&{name};")
    if c == "'":
        forms.append("&apos;")
    forms.append(re.escape(c))
    return "(?:" + "|".join(forms) + ")"


SECRETS = Redactor()


def remember(value: str | None) -> None:
    """Mask ``value`` in everything hashmigrate prints, reports or stores from now on."""
    if value:
        SECRETS.add(value)


def remember_environment(env: Mapping[str, str], names: Iterable[str] = ()) -> None:
    """Mask the values of ``names`` and of every variable named like a credential (``*_KEY``, ``*_TOKEN``...)."""
    wanted = set(names)
    for name, value in env.items():
        if name in wanted or _SECRET_NAME.search(name):
            remember(value)


def url_has_credentials(url: str) -> bool:
    """Whether ``url`` carries a user or password (``http://user:pass@host``); its password is masked
    from then on either way, so that no later message can show it."""
    try:
        parts = urlsplit(url.strip() if "://" in url else "//" + url.strip())
        user, password = parts.username, parts.password
    except ValueError:
        return "@" in url  # unparseable: whatever stands before an @ may be a password
    if password:
        remember(password)
        remember(unquote(password))
        remember(f"{user or ''}:{password}")
    return user is not None or password is not None


def redact_url(url: str) -> str:
    """A URL fit for messages: no user:password, no query string (tokens sometimes travel there)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if port:
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def redact(text: str) -> str:
    """``text`` with every known secret masked."""
    return SECRETS.redact(text)


def redact_data(data: Any) -> Any:
    """A copy of JSON-like ``data`` (a report) with every string, keys included, redacted."""
    return _strings(data, redact)


def clean_data(data: Any) -> Any:
    """A copy of JSON-like ``data`` a server sent with every string, keys included, :func:`clean`.
    (Once dumped as JSON, a control character is a ``\\u001b`` escape that no text cleaning sees.)"""
    return _strings(data, clean)


def _strings(data: Any, change: Callable[[str], str]) -> Any:
    if isinstance(data, str):
        return change(data)
    if isinstance(data, Mapping):
        return {_strings(key, change): _strings(value, change) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_strings(item, change) for item in data]
    return data


# ---- what a server wrote ------------------------------------------------------------------------------

# ESC and the 8-bit C1 introducers: CSI (ESC [ / 0x9b) up to its final byte, OSC/DCS/APC/PM/SOS (ESC ] P _ ^ X
# / 0x9d 0x90 0x9f 0x9e 0x98) up to BEL or ST, and any other two-byte escape. An unterminated string
# loses only its introducer: what follows stays readable instead of vanishing.
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]P_^X]|[\x9d\x90\x9f\x9e\x98])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -~]?"
)
# Control characters, line and paragraph separators, and the bidi controls that reorder what is shown.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Server text fit for a terminal and a one-line message: escape sequences and control characters
    removed, line breaks and tabs made spaces."""
    text = _ESCAPE.sub("", text)
    text = re.sub(r"[\t\n\r\v\f\x85\u2028\u2029]+", " ", text)
    return _CONTROLS.sub("", text)


# ---- the terminal and the logs -------------------------------------------------------------------------

_SHOWN = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]}
_SHOWN |= {c: f"\\u{c:04x}" for c in [0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def one_line(text: str) -> str:
    """``text`` redacted, for the terminal: a control character is shown escaped (a file name may hold
    one), so one message stays one line and no sequence reaches the terminal."""
    return redact(text).translate(_SHOWN)


class RedactingFilter(logging.Filter):
    """Masks secrets in a log record's message before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = one_line(record.getMessage())
        record.args = None
        return True
