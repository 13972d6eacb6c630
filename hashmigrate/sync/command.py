"""``hashmigrate sync``: what a scheduler runs. Exit codes it can act on, and ``--json`` for machines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 75


def sync_command(
    config: Annotated[Path, typer.Option("--config", "-c", help="The sync config (TOML).")] = Path(
        "hashmigrate.toml"
    ),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would change; change nothing.")
    ] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Delete at the targets what is gone from the source.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a machine-readable summary on stdout.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary and errors.")] = False,
) -> None:
    """Bring every target in the config up to date with the source (for cron, systemd timers, CI).

    Exit codes: 0 up to date, 1 some post failed, 2 config or usage error, 75 another sync is running.
    """
    from hashmigrate.hashnode import SourceError
    from hashmigrate.hashnode.problems import SourceUnavailable
    from hashmigrate.http import HttpError
    from hashmigrate.output import as_json as json_text
    from hashmigrate.output import error as err
    from hashmigrate.output import say
    from hashmigrate.publish.state import StateError
    from hashmigrate.sync.config import ConfigError, load
    from hashmigrate.sync.run import Busy, sync

    def progress(target: str, post: object) -> None:
        status = getattr(post, "status", "")
        if not quiet and not as_json and status not in {"unchanged", "skipped"}:
            say(f"{target}: {status}: {getattr(post, 'slug', None) or getattr(post, 'source', '')}", err=True)

    try:
        settings = load(config)
        result = sync(settings, dry_run=dry_run, prune=prune, on_post=progress)
    except Busy as exc:
        err(str(exc))
        raise typer.Exit(EXIT_BUSY) from None
    except SourceUnavailable as exc:
        err(str(exc))
        raise typer.Exit(EXIT_FAILED) from None
    except (ConfigError, SourceError, StateError) as exc:
        err(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    except HttpError as exc:
        err(str(exc))
        raise typer.Exit(EXIT_FAILED) from None
    for problem in result.problems:
        err(problem)
    for target in result.targets:
        for post in target.posts:
            if not post.ok and post.message:
                err(f"{target.name}: {post.message}")
        if target.error:
            err(target.error)
    if as_json:
        typer.echo(json_text(result.as_dict()))
    else:
        mode = " (dry run: nothing changed)" if dry_run else ""
        for target in result.targets:
            counts = target.counts()
            parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
            extra = f"; {len(target.gone)} gone from the source" if target.gone else ""
            if target.pruned:
                extra += f", {len(target.pruned)} removed"
            if target.committed:
                extra += f"; committed {target.committed}"
            say(f"{target.name} ({target.where}): {parts or 'no posts'}{extra}")
        if dry_run and result.would_write:
            # A dry run writes nothing by definition: what it must say is what a real run would change.
            say(f"{result.posts} post(s): {result.would_write} change(s) to make{mode}")
        elif result.writes == 0 and result.ok:
            say(f"{result.posts} post(s): every target is up to date, nothing written{mode}")
        else:
            say(f"{result.posts} post(s): {result.writes} change(s){mode}")
    raise typer.Exit(EXIT_OK if result.ok else EXIT_FAILED)
