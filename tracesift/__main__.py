"""``python -m tracesift``: the same as the ``tracesift`` command."""

from tracesift.cli import main

main()
