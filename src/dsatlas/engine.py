"""Mermaid's own parser, in-process: the pinned `mermaid.min.js` running in embedded V8.

No regex ever decides whether a diagram is valid; Mermaid does. One engine per process: V8 contexts
must not cross a fork, so workers create their own (see check.py, which uses the spawn start method).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

MERMAID_JS = Path("node_modules") / "mermaid" / "dist" / "mermaid.min.js"
# Mermaid's `maxTextSize` (default config): a longer diagram renders as a "Maximum text size in diagram
# exceeded" box instead of the drawing. Mermaid counts UTF-16 code units. MermaidEngine.text_limit() reads
# the pinned release's own value (the tests compare them).
MAX_TEXT_SIZE = 50_000


def text_size(text: str) -> int:
    """Length as Mermaid (JavaScript) counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def over_text_limit(text: str) -> bool:
    return text_size(text) > MAX_TEXT_SIZE

# The bundled DOMPurify finds no window and returns an object without hooks or sanitize; Mermaid calls
# both. In V8 there is no DOM to sanitise, so the hooks are no-ops and sanitize is the identity.
_PURIFY_RE = re.compile(r"return (\w+)\.isSupported=!1,\1;")
# The flowchart database re-reads (deep-copies) the whole Mermaid config for every labelled vertex, which
# is ~0.3 ms each and most of the parse time. The config cannot change during one parse, so the copy
# made when the database is created is reused. Optional: if the pattern is absent, parsing is slower only.
_VERTEX_CONFIG_RE = re.compile(r"this\.config=(\w+)\(\),(\w+)=this\.sanitizeText\(")

_PRELUDE = r"""
var window = globalThis; var self = globalThis;
globalThis.console = {log(){}, warn(){}, error(){}, info(){}, debug(){}, trace(){}};
if (typeof structuredClone === 'undefined') {
  globalThis.structuredClone = (v) => v === undefined ? v : JSON.parse(JSON.stringify(v));
}
globalThis.__dsatlasPurify = function (p) {
  p.addHook = function () {}; p.removeHook = function () {}; p.removeHooks = function () {};
  p.removeAllHooks = function () {}; p.sanitize = function (x) { return x; };
  return p;
};
"""

_DRIVER = r"""
mermaid.initialize({startOnLoad: false, securityLevel: 'strict'});
globalThis.__dsatlasResult = null;
globalThis.__dsatlasParse = function (text) {
  globalThis.__dsatlasResult = null;
  mermaid.mermaidAPI.getDiagramFromText(text).then(function (d) {
    var out = {type: d.type};
    var db = d.db;
    try {
      if (db.getVertices && db.getEdges) {
        out.vertices = [];
        db.getVertices().forEach(function (v, key) {
          out.vertices.push({id: key, text: String(v.text || ''), classes: v.classes || [],
                             styles: v.styles || []});
        });
        out.edges = db.getEdges().map(function (e) {
          return {start: e.start, end: e.end, text: String(e.text || '')};
        });
        out.subgraphs = (db.getSubGraphs ? db.getSubGraphs() : []).map(function (s) {
          return {id: s.id, title: String(s.title || ''), nodes: s.nodes || []};
        });
        out.classes = {};
        if (db.getClasses) {
          db.getClasses().forEach(function (c, key) { out.classes[key] = c.styles || []; });
        }
      }
      out.accTitle = db.getAccTitle ? String(db.getAccTitle() || '') : '';
      out.accDescr = db.getAccDescription ? String(db.getAccDescription() || '') : '';
    } catch (e) { out.dbError = String(e); }
    globalThis.__dsatlasResult = JSON.stringify({ok: true, structure: out});
  }).catch(function (e) {
    globalThis.__dsatlasResult = JSON.stringify({ok: false, message: String((e && e.message) || e)});
  });
  return 1;
};
"""


class EngineUnavailable(Exception):
    """Mermaid is not installed where we look; the message says how to install it."""


@dataclass
class ParseResult:
    ok: bool
    diagram_type: str = ""
    structure: dict = field(default_factory=dict)
    message: str = ""
    line: int = 1  # 1-based line inside the diagram text
    col: int = 1

    def to_dict(self) -> dict:
        return {"ok": self.ok, "diagram_type": self.diagram_type, "structure": self.structure,
                "message": self.message, "line": self.line, "col": self.col}

    @classmethod
    def from_dict(cls, data: dict) -> ParseResult:
        return cls(**data)


def find_mermaid_js(start: Path | None = None) -> Path:
    """Locate the pinned mermaid.min.js: $DSATLAS_MERMAID_JS, then node_modules above `start`, cwd or us."""
    override = os.environ.get("DSATLAS_MERMAID_JS")
    if override:
        if not Path(override).is_file():
            raise EngineUnavailable(f"DSATLAS_MERMAID_JS points at {override}, which is not a file")
        return Path(override)
    bases = [start, Path.cwd(), Path(__file__).resolve().parent]
    for base in bases:
        if base is None:
            continue
        for folder in [base.resolve(), *base.resolve().parents]:
            candidate = folder / MERMAID_JS
            if candidate.is_file():
                return candidate
    raise EngineUnavailable(
        "Mermaid is not installed: run `npm ci` in the project folder (it installs the pinned "
        "mermaid from package-lock.json), or set DSATLAS_MERMAID_JS to a mermaid.min.js"
    )


@lru_cache(maxsize=1)
def mermaid_version(js_path: str | None = None) -> str:
    path = Path(js_path) if js_path else find_mermaid_js()
    package = path.parent.parent / "package.json"
    try:
        return json.loads(package.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "unknown"


class MermaidEngine:
    """One V8 context with Mermaid loaded; parse() is synchronous and returns a ParseResult."""

    def __init__(self, js_path: Path | None = None, timeout_s: float = 10.0):
        from py_mini_racer import MiniRacer

        self.js_path = js_path or find_mermaid_js()
        self.timeout_s = timeout_s
        source = self.js_path.read_text(encoding="utf-8")
        source, patched = _PURIFY_RE.subn(
            lambda m: f"return {m[1]}.isSupported=!1,globalThis.__dsatlasPurify({m[1]});", source
        )
        if patched != 1:
            raise EngineUnavailable(
                f"{self.js_path}: this Mermaid build is not the pinned one (DOMPurify shim point not "
                "found); run `npm ci`"
            )
        source = _VERTEX_CONFIG_RE.sub(
            lambda m: f"this.config=this.config||{m[1]}(),{m[2]}=this.sanitizeText(", source, count=1
        )
        self._ctx = MiniRacer()
        self._ctx.eval(_PRELUDE)
        self._ctx.eval(source)
        self._ctx.eval(_DRIVER)

    def close(self) -> None:
        """Free the V8 context now. Left to interpreter teardown, mini-racer can block forever freeing it."""
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            ctx.close()

    def text_limit(self) -> int:
        """The pinned Mermaid's configured maxTextSize."""
        return int(self._ctx.eval("mermaid.mermaidAPI.getConfig().maxTextSize"))

    def parse(self, text: str) -> ParseResult:
        self._ctx.call("__dsatlasParse", text)
        deadline = time.monotonic() + self.timeout_s
        raw = self._ctx.eval("globalThis.__dsatlasResult")
        while raw is None:
            if time.monotonic() > deadline:
                return ParseResult(ok=False, message=f"Mermaid did not answer within {self.timeout_s:.0f} s")
            time.sleep(0.0005)
            raw = self._ctx.eval("globalThis.__dsatlasResult")
        result = json.loads(raw)
        if result["ok"]:
            structure = result["structure"]
            return ParseResult(ok=True, diagram_type=structure.get("type", ""), structure=structure)
        return _error_result(result["message"])


_LINE_RE = re.compile(r"\bline (\d+)")
_COL_RE = re.compile(r"\bcolumn (\d+)")
_EXPECTING_RE = re.compile(r"Expecting (.+?), got (.+)$", re.S)


def _error_result(message: str) -> ParseResult:
    line_match = _LINE_RE.search(message)
    col_match = _COL_RE.search(message)
    summary = message.strip()
    at = summary.find("Expecting ")  # matched from the first one only: a later one cannot succeed where it failed
    expecting = _EXPECTING_RE.match(summary, at) if at != -1 else None
    if expecting:
        tokens = expecting.group(1)
        if len(tokens) > 160:
            tokens = tokens[:157] + "…"
        summary = f"Mermaid could not parse this; expected {tokens}, got {expecting.group(2).strip()}"
    elif summary.startswith("Parse error"):
        summary = summary.splitlines()[0]
    summary = " ".join(summary.split())
    return ParseResult(
        ok=False,
        message=summary,
        line=int(line_match.group(1)) if line_match else 1,
        col=int(col_match.group(1)) if col_match else 1,
    )
