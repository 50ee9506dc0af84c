"""User SQL (:func:`nbtrack.sql`, ``nbtrack sql``): one statement on a connection that cannot write.

The security boundary is the connection, not a keyword check. After the
usual merge, the store's read-write connection is closed and, still under
the store lock, the file is opened again with DuckDB's own guards
(:data:`READ_ONLY_CONFIG`, checked against duckdb 1.5.5):

- ``read_only=True``: CREATE, INSERT, UPDATE, DELETE, DROP, ALTER and
  ATTACH-ing for write are refused by DuckDB on this database;
- ``enable_external_access=false``: no file outside the store's own
  database (and its WAL) can be read or written: ``COPY ... TO``,
  ``EXPORT DATABASE``, ``read_csv``/``read_text``/``read_parquet``/``glob``
  of any other path, ``ATTACH`` of another file, ``INSTALL``/``LOAD``,
  secrets;
- ``autoinstall/autoload_known_extensions=false``,
  ``allow_community_extensions=false``: no extension code is fetched or run;
- then ``lock_configuration=true`` (set last, after the progress bar is
  switched off): ``SET``, ``RESET`` and PRAGMAs that change a setting are
  refused, so none of the above can be switched back on.

:func:`check_query` stays as a cheap first look for a good message (exactly
one SELECT or EXPLAIN statement); it is not what keeps the store safe.

What ``sql()`` may read: the documented views in ``main``
(:data:`~nbtrack.store.schema.PUBLIC_VIEWS`). The internal tables in
``core`` stay readable too (a read-only connection cannot hurt them) but
are not a documented surface: their layout may change in any release.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..errors import QueryError, ReadOnlyQueryError
from . import schema
from .connection import quiet

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

#: DuckDB configuration of the connection user SQL runs on (with ``read_only=True``).
READ_ONLY_CONFIG: MappingProxyType[str, str] = MappingProxyType(
    {
        "enable_external_access": "false",
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
        "allow_community_extensions": "false",
    }
)

#: Longest query text accepted, in characters.
MAX_QUERY_LENGTH = 1_000_000


def check_query(query: object) -> None:
    """Refuse, with a clear message, anything but one reading statement (not a security check)."""
    import duckdb

    if not isinstance(query, str):
        raise QueryError(f"nbtrack.sql takes the query as a string, not {type(query).__name__}")
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(f"the query is {len(query):,} characters long; the limit is {MAX_QUERY_LENGTH:,}")
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise QueryError(f"The SQL does not parse: {exc}") from exc
    if len(statements) != 1:
        raise ReadOnlyQueryError(
            f"nbtrack.sql runs exactly one statement; got {len(statements)}. Run them one call at a time."
        )
    kind = statements[0].type
    if kind not in (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN):
        raise ReadOnlyQueryError(
            f"nbtrack.sql only reads: a {kind.name} statement was refused. "
            "Change runs with the API (delete_run, set_tag...) so every change is recorded."
        )


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """Finish configuring a fresh read-only connection, then lock its configuration."""
    quiet(con)
    con.execute("SET lock_configuration = true")


def run(con: duckdb.DuckDBPyConnection, query: str, params: Any = None) -> pd.DataFrame:
    """Run ``query`` on a connection set up by :func:`lock_down`; DuckDB errors become QueryError."""
    import duckdb

    try:
        return con.execute(query, params).df()
    except duckdb.InterruptException:
        raise  # a statement timeout: the deadline that fired says so
    except duckdb.Error as exc:
        if _is_refusal(exc):
            raise ReadOnlyQueryError(
                f"nbtrack.sql refused this query: {exc}\nIt reads the store's views only; "
                "it cannot write, read other files, load extensions or change settings."
            ) from exc
        raise _query_error(exc) from exc
    except (TypeError, ValueError, OverflowError) as exc:  # params DuckDB cannot bind
        raise QueryError(f"nbtrack.sql could not bind params={params!r:.200}: {exc}") from exc


_REFUSALS = (
    "disabled by configuration",
    "disabled through configuration",
    "read-only mode",
    "configuration has been locked",
)


def _is_refusal(exc: Exception) -> bool:
    text = str(exc)
    return any(marker in text for marker in _REFUSALS)


def _query_error(exc: Exception) -> QueryError:
    views = ", ".join(schema.PUBLIC_VIEWS)
    return QueryError(f"{exc}\nThe views you can query: {views}.")
