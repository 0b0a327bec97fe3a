"""A command line for scripting a Roomcast server, over the async client SDK.

``python -m desktop.cli --user mod create-conversation Workshop`` connects, logs
in, does one thing, prints JSON and exits. See :mod:`desktop.cli.parser` for the
subcommands and :mod:`desktop.cli.runner` for the exit statuses.
"""

from .runner import main, run

__all__ = ["main", "run"]
