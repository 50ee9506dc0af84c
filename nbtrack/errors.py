"""The exceptions nbtrack raises on purpose.

Every message says what happened and what to do about it. Catch
:class:`NbtrackError` to handle them all.
"""

from __future__ import annotations


class NbtrackError(Exception):
    """Base of every error nbtrack raises on purpose."""


class NoActiveRunError(NbtrackError):
    """A logging call was made with no run to log to."""


class RunNotFoundError(NbtrackError, KeyError):
    """No run with this id exists in the store."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class ExperimentNotFoundError(NbtrackError, KeyError):
    """No experiment with this name or id exists in the store."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidKeyError(NbtrackError, ValueError):
    """A metric, param or tag key is empty, too long or unsafe."""


class InvalidValueError(NbtrackError, ValueError):
    """A value cannot be logged (a non-numeric metric, an over-long param...)."""


class ParamConflictError(NbtrackError, ValueError):
    """A param was logged twice in one run with different values."""


class RunStateError(NbtrackError):
    """The operation does not fit the run's current state."""


class FilterParseError(NbtrackError, ValueError):
    """A filter or order-by string does not parse.

    ``column`` is the 1-based column of the problem in ``text``.
    """

    def __init__(self, message: str, text: str, column: int) -> None:
        self.message, self.text, self.column = message, text, column
        caret = " " * (column - 1) + "^"
        super().__init__(f"{message} (column {column})\n  {text}\n  {caret}")


class StoreLockedError(NbtrackError, TimeoutError):
    """Another process held the store's lock for longer than the bounded wait."""


class StoreError(NbtrackError):
    """The store cannot be opened or is not usable."""


class ReadOnlyQueryError(NbtrackError, ValueError):
    """``nbtrack.sql`` was given something other than a read-only query."""


class QueryError(NbtrackError, ValueError):
    """A SQL query given to ``nbtrack.sql`` failed to parse or run."""


class ColumnNotFoundError(NbtrackError, KeyError):
    """A chart or comparison names a column the runs do not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ChartInputError(NbtrackError, ValueError):
    """The data cannot be drawn as asked (a text column for a contour, an empty history...)."""


class NotEnoughRunsError(ChartInputError):
    """A comparison or analysis needs more runs than it was given."""


class MagicUsageError(NbtrackError, ValueError):
    """``%%track`` or ``%nbtrack`` was given options it cannot use; nothing ran.

    IPython shows only the message (no traceback through its magic machinery).
    """

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


class StoreCorruptError(StoreError):
    """The store's database file is damaged (truncated, bad checksums); nbtrack never overwrites it."""


class NotAStoreError(StoreError):
    """Something other than an nbtrack store sits at the store path (a foreign file, a directory)."""


class StoreVersionError(StoreError):
    """The store was written by a newer nbtrack (or DuckDB); this one never downgrades it."""


class MergeError(StoreError):
    """Sealed data could not be merged because of the database or its disk; it waits in the spool."""


class StoreFullError(MergeError):
    """The disk holding the store is full; nothing was lost, the spool files wait for space."""


class FilterTooLargeError(FilterParseError):
    """A filter or order_by is longer, or has more terms, than nbtrack runs (the message names the limit).

    Unlike other parse errors, the message does not repeat the (long) text;
    ``text`` and ``column`` still hold it and where the limit was crossed.
    """

    def __init__(self, message: str, text: str, column: int) -> None:
        self.message, self.text, self.column = message, text, column
        ValueError.__init__(self, f"{message} (column {column})")


class QueryTimeoutError(NbtrackError, TimeoutError):
    """A read ran longer than the store's ``statement_timeout`` and was stopped; nothing was changed."""


class UnsafeArtifactPathError(InvalidKeyError):
    """An artifact would be written outside the folder it was asked into (``..``, absolute, a symlink)."""
