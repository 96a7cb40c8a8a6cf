"""An on-disk cache for what every run would otherwise rebuild: the checked rulebook and the
compiled schema validators. A single `yinhuan check` spent most of its time re-reading and
re-checking ~110 rule files and generating the evidence schema's validator; both are kept here.

Entries are keyed by content, never by time: the rulebook by the digest of every rule and
checklist file (`rulebook_version`), together with yinhuan's version and the digest of its own
code and schemas, so an edited rule or an upgraded yinhuan is never served a stale entry. A cache
that cannot be read or written is silently skipped: it only ever saves time.

Where: $YINHUAN_CACHE_DIR, else $XDG_CACHE_HOME/yinhuan, else ~/.cache/yinhuan. The entries
are pickles (and marshalled code), written atomically by this user into this user's folder;
`YINHUAN_CACHE_DIR=off` turns the cache off.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path | None:
    env = os.environ.get("YINHUAN_CACHE_DIR")
    if env:
        return None if env.lower() in ("off", "0", "none") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "yinhuan"


def _digest_files(paths, root: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.relative_to(root).as_posix().encode("utf-8") + b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def rulebook_version(rules_root: Path | None = None, checklists_root: Path | None = None) -> str:
    """The content digest of a rule set as found on disk: every file under the rules folder (rules,
    counters, clauses, catalogue) and every checklist, by relative path and bytes — the cache key,
    worked out before anything is loaded. The rulebook version findings record is the loaded book's
    `version`, rulebook_choice.rulebook_digest (which also covers --rules and checklist files)."""
    from .resources import checklists_dir, rules_dir
    rules_root = Path(rules_root or rules_dir())
    checklists_root = Path(checklists_root or checklists_dir())
    h = hashlib.sha256()
    for root in (rules_root, checklists_root):
        files = sorted(root.rglob("*.yaml")) if root.exists() else []
        h.update(_digest_files(files, root).encode() + b"\n")
    return "sha256:" + h.hexdigest()[:16]


@lru_cache(maxsize=1)
def code_version() -> str:
    """Python's version and the digest of yinhuan's code and schemas (which a release changes, so
    its version number adds nothing — and importlib.metadata costs a one-file check ~40 ms): a
    cached object built by other code is not reused."""
    v = "yinhuan"
    files = sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".json") and "__pycache__" not in p.parts)
    return f"{v}-{sys.version_info[0]}.{sys.version_info[1]}-{_digest_files(files, PACKAGE)[:16]}"


def _path(kind: str, key: str) -> Path | None:
    d = cache_dir()
    if d is None:
        return None
    name = hashlib.sha256(f"{key}|{code_version()}".encode()).hexdigest()[:32]
    return d / f"{kind}-{name}"


def _read(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


KEEP_PER_KIND = 8   # older entries of a kind (other rule sets, other code) are swept


def _write(path: Path | None, data: bytes) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        kind = path.name.rsplit("-", 1)[0] + "-"
        same = sorted((p for p in path.parent.iterdir() if p.name.startswith(kind) and p != path),
                      key=lambda p: p.stat().st_mtime, reverse=True)
        for old in same[KEEP_PER_KIND - 1:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def cached_pickle(kind: str, key: str, build):
    """build() once per key; later runs unpickle it. What build raises is raised (never cached)."""
    path = _path(kind, key)
    raw = _read(path)
    if raw is not None:
        try:
            return pickle.loads(raw)
        except Exception:   # a truncated or foreign entry: rebuild it
            pass
    value = build()
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return value
    _write(path, data)
    return value


def cached_code(kind: str, key: str, build_source):
    """A module's code object: build_source() -> (source, name) generated once per key, compiled
    and marshalled; later runs load the bytecode. Returns the namespace after running it."""
    path = _path(kind, key)
    raw = _read(path)
    code = name = None
    if raw is not None:
        try:
            name, code = pickle.loads(raw)
            code = marshal.loads(code)
        except Exception:
            code = None
    if code is None:
        source, name = build_source()
        code = compile(source, f"<yinhuan {kind}>", "exec")
        _write(path, pickle.dumps((name, marshal.dumps(code))))
    namespace: dict = {}
    exec(code, namespace)
    return namespace[name]


def clear() -> int:
    """Remove every entry (yinhuan cache clear, and tests); returns how many were removed."""
    d = cache_dir()
    n = 0
    if d is not None and d.exists():
        for p in d.iterdir():
            if p.is_file():
                p.unlink()
                n += 1
    return n


class CodeTable:
    """Code objects compiled from generated source, kept on disk by the source's digest: the
    native evaluator generates one function per rule, and compiling ~60 of them is most of what a
    one-file check would spend after the rulebook is cached. Written back once, at exit, when new
    code was compiled (at most MAX entries: an edited rule set starts a fresh table)."""

    MAX = 20_000

    def __init__(self, kind: str):
        self.kind = kind
        self.codes: dict | None = None
        self.added = False

    def compile(self, source: str, filename: str):
        if self.codes is None:
            self.codes = {}
            raw = _read(_path(self.kind, "table"))
            if raw is not None:
                try:
                    self.codes = pickle.loads(raw)
                except Exception:
                    self.codes = {}
        key = hashlib.sha256(source.encode("utf-8")).digest()
        data = self.codes.get(key)
        if data is not None:
            try:
                return marshal.loads(data)
            except Exception:
                pass
        code = compile(source, filename, "exec")
        if not self.added:
            import atexit
            atexit.register(self.save)
        if len(self.codes) >= self.MAX:
            self.codes = {}
        self.codes[key] = marshal.dumps(code)
        self.added = True
        return code

    def save(self) -> None:
        if self.added and self.codes is not None:
            _write(_path(self.kind, "table"), pickle.dumps(self.codes, protocol=pickle.HIGHEST_PROTOCOL))
            self.added = False
