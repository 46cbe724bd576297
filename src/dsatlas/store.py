"""The store: every cache dsatlas keeps, as named tables in one SQLite file, `.dsatlas-cache/store.sqlite`.

Content-addressed: a key is `cache_key(*salts)` over everything the cached value depends on, so a changed
input is a miss, never a stale hit. Tables: `pages` (check summaries), `parses` (Mermaid parses),
`catalog` (the site's loaded pages), `render` (SVGs), `links` (link-check answers), `engine_pages` and
`engine_html` (MkDocs' work per page: site/pagebuild.py).

One file, not one per table: one place to open, lock, check and rebuild, and one message when it is
broken. A corrupt cache costs one cold run (the render table is the dear part); that is the price of
never trusting it.

Safety:
- WAL journal and a busy timeout: two runs read and write it at the same time without corrupting it;
- each row carries a CRC-32 of its value and every value is decoded on the way out: a row that fails
  either is dropped and reported;
- a file that is not a database, is truncated or malformed is reported once, deleted and rebuilt;
- a cache that stays locked or cannot be written is reported once and the run goes on without it.
The cache never crashes a run: every failure is a message on stderr and a cache miss.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import io
import pickle
import sqlite3
import sys
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from . import __version__

CACHE_DIR = ".dsatlas-cache"
STORE_FILE = "store.sqlite"
TABLES = ("pages", "parses", "catalog", "render", "links", "engine_pages", "engine_html")
FORMAT = "1"  # bump when a table's layout changes: an older store is then emptied, not misread
BATCH = 500  # keys per SELECT … IN (…): SQLite's default limit on host parameters is far above this
CORRUPT_CODES = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB
LOCKED_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED

T = TypeVar("T")


def cache_key(*salts: str | bytes) -> str:
    """The one key function: a SHA-256 over the salts, each length-prefixed so no two lists collide."""
    digest = hashlib.sha256()
    for salt in salts:
        raw = salt.encode() if isinstance(salt, str) else salt
        digest.update(len(raw).to_bytes(8, "big") + raw)
    return digest.hexdigest()


_code_digest: str | None = None


def code_digest() -> str:
    """A hash of dsatlas's own source: a changed gate must never be answered from an old cache."""
    global _code_digest
    if _code_digest is None:
        package = Path(__file__).resolve().parent
        salts: list[str | bytes] = [__version__]
        for source in sorted(package.rglob("*.py")):
            salts += [source.relative_to(package).as_posix(), source.read_bytes()]
        _code_digest = cache_key(*salts)
    return _code_digest


_reported: set[tuple[str, str]] = set()


def _report(path: Path, message: str) -> None:
    """One line on stderr, once per store file and message in this process."""
    if (str(path), message) in _reported:
        return
    _reported.add((str(path), message))
    try:
        shown = path.resolve().relative_to(Path.cwd().resolve())
    except (OSError, ValueError):
        shown = path
    print(f"dsatlas: warning: {shown}: {message}", file=sys.stderr)


class CacheUnavailable(Exception):
    """The store cannot be used this run (reported already); callers carry on without it."""


_PLAIN_CLASSES = {("builtins", name) for name in ("set", "frozenset", "bytearray", "complex")} | {
    ("datetime", name) for name in ("date", "datetime", "time", "timedelta", "timezone")}


class _ValuesOnly(pickle.Unpickler):
    """Unpickles dsatlas's value classes (dataclasses, pydantic models, enums) and plain types only.

    A pickle can name any function to call; a cache file copied from elsewhere (a CI cache, say) must not
    get to run `os.system` when it is read. Anything else is refused, and the row counts as damaged.
    """

    def find_class(self, module: str, name: str) -> type:
        if (module, name) in _PLAIN_CLASSES:
            return super().find_class(module, name)
        if module == "dsatlas" or module.startswith("dsatlas."):  # never import a module a pickle names
            found = super().find_class(module, name)
            if isinstance(found, type) and (dataclasses.is_dataclass(found)
                                            or issubclass(found, BaseModel | enum.Enum)):
                return found
        raise pickle.UnpicklingError(f"a cached value may not refer to {module}.{name}")


def load_values(raw: bytes) -> object:
    """The inverse of pickle.dumps for dsatlas's values, refusing any other global (see _ValuesOnly)."""
    return _ValuesOnly(io.BytesIO(raw)).load()


def _identity(raw: bytes) -> bytes:
    return raw


class Store:
    """One connection to the atlas's store; use as a context manager or call close()."""

    def __init__(self, root: Path, timeout: float = 30.0):
        self.path = root / CACHE_DIR / STORE_FILE
        self.timeout = timeout
        self._db: sqlite3.Connection | None = None
        self._disabled = False
        self._guard(self._open)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- reading and writing ----------------------------------------------------------------------

    def get(self, table: str, keys: Iterable[str], decode: Callable[[bytes], T] = _identity) -> dict[str, T]:
        """The decoded values of the keys that are stored; missing and undecodable keys are left out."""
        wanted = list(dict.fromkeys(keys))

        def read() -> list[tuple[str, bytes, int]]:
            rows = []
            for start in range(0, len(wanted), BATCH):
                batch = wanted[start : start + BATCH]
                marks = ",".join("?" * len(batch))
                rows += self._conn().execute(f"SELECT key, value, crc FROM {_table(table)} WHERE key IN ({marks})",
                                             batch).fetchall()
            return rows

        return self._decode(table, self._guard(read, default=[]) if wanted else [], decode)

    def all(self, table: str, decode: Callable[[bytes], T] = _identity) -> dict[str, T]:
        """Every row of a table, decoded."""
        rows = self._guard(lambda: self._conn().execute(f"SELECT key, value, crc FROM {_table(table)}").fetchall(),
                           default=[])
        return self._decode(table, rows, decode)

    def put(self, table: str, items: dict[str, str | bytes]) -> None:
        """Store (or replace) values; text is stored as UTF-8."""
        if not items:
            return
        rows = []
        for key, value in items.items():
            raw = value.encode() if isinstance(value, str) else value
            rows.append((key, raw, zlib.crc32(raw)))

        sql = f"INSERT OR REPLACE INTO {_table(table)} (key, value, crc) VALUES (?, ?, ?)"
        self._guard(lambda: self._write(lambda db: db.executemany(sql, rows)))

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None

    # ---- integrity --------------------------------------------------------------------------------

    def _decode(self, table: str, rows: list[tuple[str, bytes, int]], decode: Callable[[bytes], T]) -> dict[str, T]:
        found: dict[str, T] = {}
        bad: list[str] = []
        for key, raw, crc in rows:
            try:
                if not isinstance(raw, bytes) or zlib.crc32(raw) != crc:
                    raise ValueError("checksum mismatch")
                found[key] = decode(raw)
            except Exception:  # noqa: BLE001 - whatever a damaged row makes the decoder raise
                bad.append(key)
        if bad:
            _report(self.path, f"{len(bad)} row(s) of the {table} cache did not decode: dropped them; this "
                    "run computes them again")

            sql = f"DELETE FROM {_table(table)} WHERE key = ?"
            self._guard(lambda: self._write(lambda db: db.executemany(sql, [(key,) for key in bad])))
        return found

    def _guard(self, action: Callable[[], Any], default: Any = None) -> Any:
        """Run one store action; a corrupt file is rebuilt (and the action tried once more), else no cache."""
        for attempt in (1, 2):
            damage = None
            try:
                return action()
            except CacheUnavailable:
                return default
            except sqlite3.DatabaseError as err:
                code = getattr(err, "sqlite_errorcode", None)
                if (code in CORRUPT_CODES or "malformed" in str(err)) and attempt == 1:
                    damage = str(err)  # rebuilt below, once the traceback no longer holds a statement open
                elif code in LOCKED_CODES:
                    self._disable(f"the cache stayed locked by another process for {self.timeout:g} s; this run "
                                  "goes on without it")
                else:
                    self._disable(f"the cache cannot be used ({err}); this run goes on without it: delete "
                                  f"{self.path.parent} if this persists")
            except OSError as err:
                self._disable(f"the cache cannot be used ({err.strerror or err}); this run goes on without it")
            if damage is None:
                return default
            _report(self.path, f"the cache is damaged ({damage}): deleted it; this run rebuilds it")
            try:
                self._rebuild()
            except (OSError, sqlite3.Error) as err:
                self._disable(f"the cache could not be rebuilt ({err}); this run goes on without it")
                return default
        return default

    def _disable(self, message: str) -> None:
        _report(self.path, message)
        self.close()
        self._disabled = True

    def _conn(self) -> sqlite3.Connection:
        if self._db is None or self._disabled:
            raise CacheUnavailable
        return self._db

    def _write(self, action: Callable[[sqlite3.Connection], None]) -> None:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so concurrent writers queue on the lock."""
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            action(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _open(self) -> None:
        if self._db is not None:
            return  # opened already (by a rebuild)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        db = self._db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        wal = self.path.with_name(self.path.name + "-wal")
        if not wal.exists() or wal.stat().st_size == 0:  # without a WAL, the file holds every page
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            size = db.execute("PRAGMA page_size").fetchone()[0]
            if self.path.stat().st_size < pages * size:
                raise sqlite3.DatabaseError("database disk image is malformed (the file is truncated)")
        if not self._current(db):
            self._write(self._create)

    @staticmethod
    def _current(db: sqlite3.Connection) -> bool:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not names >= {"meta", *TABLES}:
            return False
        return db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() == (FORMAT,)

    def _create(self, db: sqlite3.Connection) -> None:
        """Inside one write transaction, so two runs creating the store at once do not undo each other."""
        if self._current(db):
            return
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        if db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() != (FORMAT,):
            for table in TABLES:
                db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))
        for table in TABLES:
            db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value BLOB NOT NULL, "
                       "crc INTEGER NOT NULL)")

    def _rebuild(self) -> None:
        self.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                self.path.with_name(self.path.name + suffix).unlink()
            except FileNotFoundError:
                pass
        self._open()


def _table(name: str) -> str:
    if name not in TABLES:
        raise ValueError(f"no cache table {name!r}; the tables are {', '.join(TABLES)}")
    return name
