"""What the commands print: every line and every JSON summary passes here, redacted on its way out."""

from __future__ import annotations

import json
from typing import Any

import typer

from hashmigrate.redaction import one_line, redact_data


def say(line: str, *, err: bool = False) -> None:
    """Print one line, redacted, its control characters shown escaped (a file name may hold a newline
    or an escape sequence): one message stays one line and nothing drives the terminal."""
    typer.echo(one_line(line), err=err)


def error(message: str) -> None:
    say(f"hashmigrate: {message}", err=True)


def as_json(data: Any) -> str:
    """A report or summary as JSON, every string in it redacted."""
    return json.dumps(redact_data(data), indent=2, ensure_ascii=False)
