"""hashmigrate: move a Hashnode blog to Hugo, Jekyll, dev.to or WordPress.

>>> import hashmigrate
>>> posts = list(hashmigrate.load("blog-backup"))           # doctest: +SKIP
>>> result = hashmigrate.convert("blog-backup", to="hugo", out="site")  # doctest: +SKIP
>>> result.ok, result.counts()                               # doctest: +SKIP
"""

from typing import TYPE_CHECKING, Any

from hashmigrate.api import ConvertResult, PostResult, convert, load, read_all
from hashmigrate.exporter import (
    BodyRenderer,
    Exporter,
    FinishesSite,
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
from hashmigrate.model import Callout, Embed, Html, Image, Markdown, Mention, Node, Note, Post, Tag, Widget
from hashmigrate.registry import PluginConflict, UnknownExporter, available

if TYPE_CHECKING:
    from hashmigrate.publish import PublishConfig, Publisher


def __getattr__(name: str) -> Any:
    # The publishing contract loads requests and sqlite3: only when asked for.
    if name in {"Publisher", "PublishConfig"}:
        from hashmigrate import publish

        return getattr(publish, name)
    raise AttributeError(f"module 'hashmigrate' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "BodyRenderer",
    "Callout",
    "ConvertResult",
    "Embed",
    "Exporter",
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
    "Post",
    "PostResult",
    "Problem",
    "PublishConfig",
    "Publisher",
    "Rendered",
    "Site",
    "SourceError",
    "Tag",
    "UnknownExporter",
    "Widget",
    "__version__",
    "available",
    "convert",
    "hooks",
    "load",
    "read_all",
]
