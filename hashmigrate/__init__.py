"""hashmigrate: move a Hashnode blog to Hugo, Jekyll, dev.to or WordPress.

>>> import hashmigrate
>>> posts = list(hashmigrate.load("blog-backup"))           # doctest: +SKIP
>>> result = hashmigrate.convert("blog-backup", to="hugo", out="site")  # doctest: +SKIP
>>> result.ok, result.counts()                               # doctest: +SKIP
"""

from hashmigrate.api import ConvertResult, PostResult, convert, load, read_all
from hashmigrate.hashnode import Problem, SourceError
from hashmigrate.model import Callout, Embed, Html, Image, Markdown, Mention, Node, Note, Post, Tag, Widget
from hashmigrate.registry import UnknownExporter, available

__version__ = "0.1.0"

__all__ = [
    "Callout",
    "ConvertResult",
    "Embed",
    "Html",
    "Image",
    "Markdown",
    "Mention",
    "Node",
    "Note",
    "Post",
    "PostResult",
    "Problem",
    "SourceError",
    "Tag",
    "UnknownExporter",
    "Widget",
    "__version__",
    "available",
    "convert",
    "load",
    "read_all",
]
