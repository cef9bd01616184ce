"""Graphs built in Python code, and the TOML text the engine reads them as."""

import math
import os
import re
import tomllib
from pathlib import Path

__all__ = ["Graph", "toml_value"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_string(s):
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_key(k):
    return k if _BARE_KEY.match(k) else _toml_string(k)


def toml_value(value):
    """A Python value as TOML text: bool, int, float, str/PathLike, or a sequence of numbers.

    NumPy scalars and 1-D arrays are accepted too. This is how keyword overrides
    (``**{"smooth.sigma": 2}``) and ``Graph.node(..., sigma=2)`` parameters reach the engine.
    """
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # numpy scalar or array
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (str, os.PathLike)):
        return _toml_string(os.fspath(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot use a {type(value).__name__} as a mirflow parameter value "
                    "(use bool, int, float, str, a path or a list of numbers)")


def _is_component_list(value):
    """A component slot's entries: a non-empty list of dicts, e.g. prior=[{"type": "tv", "beta": 0.02}]."""
    return isinstance(value, (list, tuple)) and len(value) > 0 and all(isinstance(e, dict) for e in value)


class Graph:
    """A mirflow graph, built in code or read from TOML.

    Build one node and edge at a time (each method returns the graph, so calls chain)::

        g = (mirflow.Graph("demo")
             .node("input", "py.input", name="x")
             .node("smooth", "classic.gaussian", sigma=1.5)
             .node("output", "py.output", name="y")
             .edge("input.image -> smooth.image")
             .connect("smooth.image", "output.image"))
        g.run_arrays({"x": array})["y"]

    or read one with :meth:`load` (a file) or :meth:`from_toml` (text). A graph read from TOML and
    not modified is handed to the engine as it was written, so errors point at its own
    ``file:line:column``; relative paths resolve against the file's folder (``base_dir`` for text,
    the current directory when neither is given).
    """

    def __init__(self, name="", description="", *, base_dir=None):
        self.name = name
        self.description = description
        self.base_dir = None if base_dir is None else Path(base_dir)
        self._nodes = []  # [{"id", "type", "params"}]
        self._edges = []  # ["a.port -> b.port"]
        self._text = None  # TOML this graph came from, while unmodified
        self._path = None  # file this graph came from, while unmodified
        self._label = "<graph>"
        self._parsed = True

    # ---- reading --------------------------------------------------------------------------------
    @classmethod
    def from_toml(cls, text, *, base_dir=None, name="<string>"):
        """A graph from TOML text; ``name`` stands for the file name in error messages."""
        g = cls(base_dir=base_dir)
        g._text, g._label, g._parsed = text, name, False
        return g

    @classmethod
    def load(cls, path):
        """A graph from a TOML file (read by the engine, so positions in errors are the file's)."""
        g = cls(base_dir=Path(path).resolve().parent)
        g._path, g._label, g._parsed = Path(path), os.fspath(path), False
        return g

    def _materialize(self):
        """Reads the TOML into nodes and edges before the first change."""
        if self._parsed:
            return
        text = self._text if self._path is None else self._path.read_text()
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            from . import validate
            validate(self)  # the engine's message, with file:line:column
            raise
        table = doc.get("graph", {})
        self.name = table.get("name", "")
        self.description = table.get("description", "")
        self._edges = list(table.get("edges", [])) + list(doc.get("edges", []))
        self._nodes = []
        for n in doc.get("node", []):
            n = dict(n)
            self._nodes.append({"id": n.pop("id", ""), "type": n.pop("type", ""), "params": n})
        self._parsed = True

    def _modified(self):
        self._materialize()
        if self._text is not None or self._path is not None:
            self._text = self._path = None
            self._label = "<graph>"  # positions now refer to to_toml()'s text

    # ---- building -------------------------------------------------------------------------------
    def node(self, id, type, **params):
        """Adds node ``id`` of ``type`` with parameters; returns the graph.

        A component slot takes a list of dicts, each naming its component with ``type``:
        ``g.node("recon", "ir.admm", prior=[{"type": "tv", "beta": 0.02}])`` is written as
        ``[[node.prior]]`` tables.
        """
        self._modified()
        if any(n["id"] == id for n in self._nodes):
            raise ValueError(f"node id '{id}' is already used in this graph")
        self._nodes.append({"id": id, "type": type, "params": dict(params)})
        return self

    def edge(self, spec):
        """Adds an edge written ``"a.port -> b.port"``; returns the graph."""
        self._modified()
        if "->" not in spec:
            raise ValueError(f"malformed edge {spec!r}: expected 'node.port -> node.port'")
        self._edges.append(spec)
        return self

    def connect(self, source, target):
        """Adds the edge ``source -> target`` (each ``"node.port"``); returns the graph."""
        return self.edge(f"{source} -> {target}")

    @property
    def nodes(self):
        """The nodes, as a list of ``{"id", "type", "params"}`` dicts (copies)."""
        self._materialize()
        return [{"id": n["id"], "type": n["type"], "params": dict(n["params"])} for n in self._nodes]

    @property
    def edges(self):
        """The edges, as ``"a.port -> b.port"`` strings (a copy)."""
        self._materialize()
        return list(self._edges)

    def to_toml(self):
        """The graph as TOML, as ``mirflow run`` reads it (the original text if unmodified)."""
        if self._text is not None:
            return self._text
        if self._path is not None:
            return self._path.read_text()
        lines = ["[graph]"]
        if self.name:
            lines.append(f"name = {_toml_string(self.name)}")
        if self.description:
            lines.append(f"description = {_toml_string(self.description)}")
        lines.append("edges = [")
        lines.extend(f"  {_toml_string(e)}," for e in self._edges)
        lines.append("]")
        for n in self._nodes:
            lines += ["", "[[node]]", f"id = {_toml_string(n['id'])}", f"type = {_toml_string(n['type'])}"]
            slots = {k: v for k, v in n["params"].items() if _is_component_list(v)}
            lines.extend(f"{_toml_key(k)} = {toml_value(v)}" for k, v in n["params"].items() if k not in slots)
            for slot, entries in slots.items():
                for entry in entries:
                    lines += [f"[[node.{_toml_key(slot)}]]"]
                    lines.extend(f"{_toml_key(k)} = {toml_value(v)}" for k, v in entry.items())
        return "\n".join(lines) + "\n"

    def _source(self):
        """What the engine reads: ("file", path) or ("text", toml, name, base_dir)."""
        if self._path is not None:
            return ("file", os.fspath(self._path))
        base = os.fspath(self.base_dir) if self.base_dir is not None else os.getcwd()
        return ("text", self.to_toml(), self._label, base)

    # ---- using ----------------------------------------------------------------------------------
    def validate(self, **kwargs):
        """Same as ``mirflow.validate(self, ...)``."""
        from . import validate
        return validate(self, **kwargs)

    def run(self, **kwargs):
        """Same as ``mirflow.run(self, ...)``."""
        from . import run
        return run(self, **kwargs)

    def run_arrays(self, inputs=None, **kwargs):
        """Same as ``mirflow.run_arrays(self, inputs, ...)``."""
        from . import run_arrays
        return run_arrays(self, inputs, **kwargs)

    def __repr__(self):
        if not self._parsed:
            return f"<mirflow.Graph from {self._label}>"
        return f"<mirflow.Graph {self.name!r}: {len(self._nodes)} nodes, {len(self._edges)} edges>"
