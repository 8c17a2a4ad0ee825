"""`hedong`: the planner's command line. Stable JSON with --json (shared CONTRACT.md).

Exit status: 0 success; 2 bad argument or bad input (one line on stderr naming the file, row or
field; library parameter errors name the flag, :mod:`hedong.params`) or a model with no solution
for the arguments given; 1 internal failure.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

import demo  # noqa: F401 - registers the yuncheng-demo study area (it lives above gis)
from hedong.output import SafeStream
from hedong.params import infeasible_message, parameter_message
from layers.errors import DataWarning, InfeasibleModelError, InputError, ParameterError

# Each command lives in its own module exposing ``register(subparsers)``; the parser it adds
# sets ``func`` to a callable taking the parsed args and returning an exit code.
COMMAND_MODULES = (
    "hedong.cmd_info",
    "hedong.cmd_coverage",
    "hedong.cmd_indicators",
    "hedong.cmd_access",
    "hedong.cmd_scenario",
    "hedong.cmd_export",
    "hedong.cmd_publish",
    "hedong.cmd_report",
    "hedong.cmd_batch",
    "hedong.cmd_app",
    "hedong.cmd_area",
)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit status 2 (CONTRACT.md)."""

    def error(self, message):  # noqa: D401 - argparse API
        sys.stderr.write(f"hedong: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def add_area_argument(p: argparse.ArgumentParser) -> None:
    """The ``--area`` option shared by every command."""
    p.add_argument("--area", default="yuncheng-demo",
                   help="yuncheng-demo (default, offline, generated), helsinki-osm (real OSM), or a study-area folder")


def build_parser() -> argparse.ArgumentParser:
    """The full ``hedong`` parser with every available command registered."""
    parser = _Parser(
        prog="hedong",
        description="Hedong Planner (河东规划): public-service facility planning — 15-minute circles, "
                    "seat coverage by district, siting scenarios, published maps.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal failures")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:  # a command still being built is simply absent
            if e.name == name:
                continue
            raise
        mod.register(sub)
    return parser


def _one_line(msg: str) -> str:
    """Collapse line breaks (GDAL / pandas messages carry some) so stderr gets exactly one line."""
    return " ".join(str(msg).split())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hedong`` console script."""
    saved = sys.stdout, sys.stderr
    # Names in the data never reach the terminal as escape sequences (ANSI, OSC 52): one filter
    # on both streams covers every command's output.
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, DataWarning):  # about the user's data: one line, no source line
            sys.stderr.write(f"hedong: warning: {_one_line(message)}\n")
        else:
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = saved
        warnings.showwarning = shown


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ParameterError as e:  # a library argument: shown with the flag the user typed
        sys.stderr.write(f"hedong: {parameter_message(e)}\n")
        return 2
    except InfeasibleModelError as e:  # the user's arguments admit no solution: change them
        sys.stderr.write(f"hedong: {infeasible_message(e)}\n")
        return 2
    except InputError as e:
        sys.stderr.write(f"hedong: {_one_line(e.one_line())}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("hedong: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`hedong ... | head`): not an error of ours. Point stdout at
        # devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - the contract: internal failure exits 1 with one line
        if getattr(args, "debug", False):
            raise
        sys.stderr.write(f"hedong: internal error: {type(e).__name__}: {_one_line(str(e))} "
                         f"(rerun with --debug for details)\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
