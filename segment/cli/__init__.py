"""The ``segment`` command line: a thin layer over the library.

One module per command: :mod:`~segment.cli.image`, :mod:`~segment.cli.batch`,
:mod:`~segment.cli.evaluate` and :mod:`~segment.cli.serve`; the options that
``image`` and ``batch`` share are in :mod:`~segment.cli.options`. Heavy modules
(NumPy, OpenCV, scikit-image, the kernels) are imported inside the commands, so
``segment --help`` and ``segment --version`` start fast.
"""

from __future__ import annotations

import sys

import click

from .._version import __version__
from .batch import batch_command
from .evaluate import evaluate_command
from .image import image_command
from .serve import serve_command

__all__ = ["cli", "main"]


class _OneLineErrors(click.Group):
    """A group whose errors are one line on stderr and a non-zero exit, never a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            rv = super().main(
                args=args, prog_name=prog_name or "segment", complete_var=complete_var,
                standalone_mode=False, **extra,
            )
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"segment: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("segment: interrupted", err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group("segment", cls=_OneLineErrors, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="segment")
@click.pass_context
def cli(ctx):
    """Mean shift image segmentation in the joint spatial-colour domain."""
    if ctx.invoked_subcommand is None:  # bare `segment`: its help, exit status 0
        click.echo(ctx.get_help())
        ctx.exit(0)


cli.add_command(image_command)
cli.add_command(batch_command)
cli.add_command(evaluate_command)
cli.add_command(serve_command)

main = cli.main
