"""The warning for two installed packages claiming one plugin name, apart from the registry so that
the CLI can set up its warning filter without loading every exporter (``hashmigrate --help``)."""


class PluginConflict(UserWarning):
    """Two installed packages claim one plugin name."""
