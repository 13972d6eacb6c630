"""hashmigrate: move a Hashnode blog to Hugo, Jekyll, dev.to or WordPress.

>>> import hashmigrate
>>> posts = list(hashmigrate.load("blog-backup"))           # doctest: +SKIP
>>> result = hashmigrate.convert("blog-backup", to="hugo", out="site")  # doctest: +SKIP
>>> result.ok, result.counts()                               # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Each name loads its module on first use: ``hashmigrate --help`` needs none of them.
_WHERE = {
    **dict.fromkeys(
        ("ConvertResult", "Conversion", "PostResult", "convert", "convert_iter", "load", "read_all"),
        "hashmigrate.api",
    ),
    **dict.fromkeys(
        (
            "BodyRenderer",
            "Exporter",
            "FinishReads",
            "FinishesSite",
            "Hooks",
            "LinksPosts",
            "NamesHeadings",
            "Option",
            "OptionError",
            "OutputFile",
            "PlacesImages",
            "Rendered",
            "Site",
            "hooks",
        ),
        "hashmigrate.exporter",
    ),
    "Problem": "hashmigrate.hashnode",
    "SourceError": "hashmigrate.hashnode",
    **dict.fromkeys(
        ("PluginConflict", "PluginError", "UnknownExporter", "available"), "hashmigrate.registry"
    ),
    **dict.fromkeys(
        ("Callout", "Embed", "Html", "Image", "Markdown", "Mention", "Node", "Note", "Post", "Tag", "Widget"),
        "hashmigrate.model",
    ),
    # The publishing contract loads requests and sqlite3.
    **dict.fromkeys(("Publisher", "PublishConfig"), "hashmigrate.publish"),
    **dict.fromkeys(("PostCheck", "VerifyError", "VerifyResult", "verify"), "hashmigrate.verification"),
}

if TYPE_CHECKING:
    from hashmigrate.api import Conversion, ConvertResult, PostResult, convert, convert_iter, load, read_all
    from hashmigrate.exporter import (
        BodyRenderer,
        Exporter,
        FinishesSite,
        FinishReads,
        Hooks,
        LinksPosts,
        NamesHeadings,
        Option,
        OptionError,
        OutputFile,
        PlacesImages,
        Rendered,
        Site,
        hooks,
    )
    from hashmigrate.hashnode import Problem, SourceError
    from hashmigrate.model import (
        Callout,
        Embed,
        Html,
        Image,
        Markdown,
        Mention,
        Node,
        Note,
        Post,
        Tag,
        Widget,
    )
    from hashmigrate.publish import PublishConfig, Publisher
    from hashmigrate.registry import PluginConflict, PluginError, UnknownExporter, available
    from hashmigrate.verification import PostCheck, VerifyError, VerifyResult, verify


if not TYPE_CHECKING:
    # Hidden from the type checker, which would otherwise take any name at all for one of these (Any),
    # and pass ``from hashmigrate import Nothing`` that fails at run time.
    def __getattr__(name: str) -> Any:
        where = _WHERE.get(name)
        if where is None:
            raise AttributeError(f"module 'hashmigrate' has no attribute {name!r}")
        value = getattr(import_module(where), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*globals(), *_WHERE])


__all__ = [
    "BodyRenderer",
    "Callout",
    "Conversion",
    "ConvertResult",
    "Embed",
    "Exporter",
    "FinishReads",
    "FinishesSite",
    "Hooks",
    "Html",
    "Image",
    "LinksPosts",
    "Markdown",
    "Mention",
    "NamesHeadings",
    "Node",
    "Note",
    "Option",
    "OptionError",
    "OutputFile",
    "PlacesImages",
    "PluginConflict",
    "PluginError",
    "Post",
    "PostCheck",
    "PostResult",
    "Problem",
    "PublishConfig",
    "Publisher",
    "Rendered",
    "Site",
    "SourceError",
    "Tag",
    "UnknownExporter",
    "VerifyError",
    "VerifyResult",
    "Widget",
    "__version__",
    "available",
    "convert",
    "convert_iter",
    "hooks",
    "load",
    "read_all",
    "verify",
]
