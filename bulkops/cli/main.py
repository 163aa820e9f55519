"""Entry point: ``bulkops`` and ``python -m bulkops``."""

from __future__ import annotations

import click

from bulkops import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="bulkops")
def cli() -> None:
    """Apply large routing-configuration changes to Genesys Cloud CX, safely.

    A job spec (CSV or JSON skill matrix plus reorganization fields) is validated
    whole, then applied by a rate-limited, resumable engine that never drops what the
    spec does not mention.
    """


def main() -> None:
    cli()
