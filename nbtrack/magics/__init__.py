"""``%%track`` and ``%nbtrack``: the IPython side of nbtrack.

``%load_ext nbtrack`` calls :func:`load`; loading twice registers nothing
twice, and :func:`unload` removes every magic, name and hook it added. The
magics are thin: they parse their line and hand over to
:mod:`.cell` (a tracked execution) or :mod:`.line` (the commands).
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..errors import MagicUsageError
from .cell import TrackedCell
from .line import USAGE, run_command
from .options import check
from .tracker import Tracker


@magics_class
class NbtrackMagics(Magics):
    """The magics nbtrack registers; holds the shell's :class:`Tracker`."""

    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.tracker = Tracker(shell)

    @magic_arguments()
    @argument("-e", "--experiment", help="Experiment of the run (default: the active experiment).")
    @argument("-n", "--name", help="Run name (default: a random readable name).")
    @argument(
        "-p",
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="Override a parameter of the cell before it runs (repeatable). VALUE is a Python literal.",
    )
    @argument(
        "--exclude",
        action="append",
        metavar="A,B",
        help="Names that are not parameters (e.g. plot limits); a dict's name leaves out all its entries.",
    )
    @argument(
        "--param-prefix",
        action="store_true",
        help="Name the entries of a dict of literals <dict>/<key> (params/n_estimators), not <key>.",
    )
    @argument("--metrics", action="append", metavar="A,B", help="Log the final values of these variables.")
    @argument("--tags", action="append", metavar="K=V,K2=V2", help="Tags of the run (repeatable).")
    @argument("--nested", action="store_true", help="Make the run a child of the active run.")
    @argument("--no-capture", action="store_true", help="Skip source, history, git, environment and output.")
    @argument("--quiet", action="store_true", help="Do not show the run card.")
    @cell_magic
    def track(self, line: str, cell: str) -> None:
        """Run this cell as an nbtrack run.

        Top-level assignments of literals (``max_depth = 8``) are the run's
        parameters; ``-p`` overrides them before the cell runs. A dict of
        literals (``params = {"n_estimators": 100}``) gives one parameter per
        key (``n_estimators``; ``params/n_estimators`` with ``--param-prefix``;
        nested keys joined with ``/``), and ``-p n_estimators=300`` rewrites
        that entry. ``--exclude ymin,ymax`` or a ``# nbtrack: ignore``
        comment on the assignment's line leaves names out. Inside the
        cell, ``log_metric``/``log_params``/... and autolog go to the cell's
        run. The run always ends: FINISHED, FAILED (traceback stored, the
        error shown as usual) or KILLED (interrupt). Captured: the source,
        the session history, git commit and diff, Python and package
        versions, seeds, stdout/stderr and figures. Re-running the cell
        makes a new run linked to the previous one; the run card shows what
        changed.

        Examples::

            %%track
            %%track -e churn -n rf -p max_depth=12 --metrics val_acc
            %%track -p "layers=[64, 32]" -p model='rf' --tags team=growth
            %%track --nested --quiet
            %%track --exclude ymin,ymax --param-prefix
        """
        try:
            args = parse_argstring(NbtrackMagics.track, line)
        except UsageError as exc:
            raise MagicUsageError(f"%%track: {exc}. See %%track? for the options.") from None
        TrackedCell(self.tracker, check(args), line, cell).execute()

    @line_magic
    def nbtrack(self, line: str) -> Any:
        """Read and manage runs from the notebook.

        Commands::

        """
        return run_command(self.tracker, line)

    nbtrack.__doc__ = (nbtrack.__doc__ or "") + "\n".join("    " + row for row in USAGE.splitlines())


def _loaded(shell: Any) -> NbtrackMagics | None:
    found = shell.magics_manager.registry.get(NbtrackMagics.__name__)
    return found if type(found).__name__ == NbtrackMagics.__name__ else None


def load(shell: Any) -> None:
    """Register the magics and offer the logging functions; a second call changes nothing."""
    if _loaded(shell) is not None:
        return
    magics = NbtrackMagics(shell)
    shell.register_magics(magics)
    magics.tracker.install()


def unload(shell: Any) -> None:
    """Remove the magics, the names offered and the tracker's hooks."""
    magics = _loaded(shell)
    if magics is None:
        return
    magics.tracker.uninstall()
    manager = shell.magics_manager
    for kind, table in manager.magics.items():
        for name, fn in list(table.items()):
            if getattr(fn, "__self__", None) is magics:
                del manager.magics[kind][name]
    manager.registry.pop(NbtrackMagics.__name__, None)
