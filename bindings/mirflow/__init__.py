"""mirflow: medical image pipelines on a oneTBB flow graph, driven from Python.

Run a TOML graph as ``mirflow run`` does, overriding parameters with ``node.key`` keywords::

    import mirflow
    report = mirflow.run("graphs/quickstart.toml", stats=True, **{"noise.sigma": 0.03})

Run any graph on NumPy arrays (readers and writers are swapped for ``py.input``/``py.output``)::

    out = mirflow.run_arrays("graphs/quickstart.toml", {"input": volume})
    denoised = out["output"][0]

Build graphs in code (:class:`Graph`), see what nodes exist (:func:`node_types`, :func:`describe`),
share pixels with NumPy and torch without copies (:class:`Image`, :func:`from_dlpack`), and write
node types in Python (:func:`node_type`).

Errors: :class:`InputError` (a ``ValueError``) for bad graphs, parameters and files, with
``file:line:column`` in the message; :class:`RunError` (a ``RuntimeError``) for failures while
running, naming the node and the work item. Ctrl-C cancels a run and raises ``KeyboardInterrupt``.
"""

import os
from dataclasses import dataclass

import numpy as np

from . import _mirflow
from ._graph import Graph, toml_value
from ._mirflow import Image, InputError, RunError, describe, from_dlpack, node_types, plugin_info, version

__version__ = version()

__all__ = [
    "Graph", "Image", "InputError", "NodeReport", "Param", "Results", "RunError", "RunReport", "describe",
    "from_dlpack", "node_type", "node_types", "plugin_info", "run", "run_arrays", "toml_value", "validate",
    "version",
]


# ---- reports -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NodeReport:
    """What one node did in a run: work items, seconds in process(), pixel bytes allocated and copied."""
    id: str
    type: str
    items: int
    wall: float
    allocated: int
    copied: int


@dataclass(frozen=True)
class RunReport:
    """What a run did: total wall time (s) and one :class:`NodeReport` per node, in graph order."""
    wall: float
    nodes: tuple
    _table: str = ""

    @property
    def allocated(self):
        """Pixel bytes allocated by all nodes."""
        return sum(n.allocated for n in self.nodes)

    @property
    def copied(self):
        """Pixel bytes copied by all nodes."""
        return sum(n.copied for n in self.nodes)

    def node(self, id):
        """The report of node ``id``."""
        for n in self.nodes:
            if n.id == id:
                return n
        raise KeyError(id)

    def table(self):
        """The table ``mirflow run --stats`` prints."""
        return self._table

    __str__ = table


def _report(d):
    return RunReport(d["wall"], tuple(NodeReport(**n) for n in d["nodes"]), d["table"])


class Results(dict):
    """What :func:`run_arrays` returns: ``{name: [array, ...]}`` in work-item order.

    ``report`` is the :class:`RunReport`; ``item_keys[name]`` names each item (``"x[3]/z=12"``).
    """
    report: RunReport
    item_keys: dict


# ---- graphs and overrides --------------------------------------------------------------------------
def _source(graph):
    if isinstance(graph, Graph):
        return graph._source()
    if isinstance(graph, (str, os.PathLike)):
        return ("file", os.fspath(graph))
    raise TypeError(f"graph must be a path or a mirflow.Graph, got {type(graph).__name__} "
                    "(for TOML text use mirflow.Graph.from_toml(text))")


def _overrides(sets, overrides):
    out = []
    if sets is not None:
        out.extend([sets] if isinstance(sets, str) else sets)
    for key, value in overrides.items():
        if "." not in key:
            raise TypeError(f"unexpected keyword argument '{key}': parameter overrides are written "
                            f"node.key, e.g. **{{'input.path': 'a.nii'}} or set=['input.path=a.nii']")
        out.append(f"{key}={toml_value(value)}")
    return out


def validate(graph, *, set=None, **overrides):
    """Checks a graph without running it; raises :class:`InputError` listing every problem.

    ``graph`` is a path or a :class:`Graph`; overrides as for :func:`run`. Returns what was validated:
    ``{"name", "description", "nodes": [{"id", "type", "params"}], "edges": [...], "dot": str}``,
    with every parameter's default filled in and paths made absolute.
    """
    return _mirflow._validate(_source(graph), _overrides(set, overrides))


def run(graph, *, threads=0, stats=False, max_in_flight=0, progress=None, set=None, **overrides):
    """Runs a graph, as ``mirflow run`` does, and returns its :class:`RunReport`.

    ``graph`` is a TOML file path or a :class:`Graph`. Parameters are overridden with keywords in the
    CLI's ``node.key=value`` form -- ``run("g.toml", **{"input.path": "a.nii", "gan.tile": 256})``
    -- or with ``set=["input.path=a.nii"]`` (the value is read as TOML; a bare word is a string).
    ``threads``: worker threads (0: all cores); ``max_in_flight``: items in flight per fan-out (0: auto);
    ``stats``: print the per-node table; ``progress``: ``callable(done, total)``, called on this
    thread. The GIL is released while the graph runs; Ctrl-C cancels it and raises
    KeyboardInterrupt. Raises :class:`InputError` before anything runs, :class:`RunError` after.
    """
    report = _report(_mirflow._run(_source(graph), _overrides(set, overrides), threads, max_in_flight, progress))
    if stats:
        print(report.table(), end="")
    return report


def _as_images(name, value):
    if isinstance(value, (list, tuple)):
        return [_as_image(name, i, v) for i, v in enumerate(value)], True
    return [_as_image(name, None, value)], False


def _as_image(name, index, value):
    try:
        return Image.from_numpy(value)
    except (TypeError, ValueError) as e:
        where = name if index is None else f"{name}[{index}]"
        raise type(e)(f"inputs['{where}']: {e}") from None


def run_arrays(graph, inputs=None, *, outputs=None, as_images=False, threads=0, stats=False, max_in_flight=0,
               progress=None, set=None, **overrides):
    """Runs a graph on in-memory images and returns its results as :class:`Results`.

    ``inputs`` maps a name to an array, a :class:`Image`, or a list of them (one work item each; a
    3-D array is one volume). Each name feeds the graph's ``py.input`` nodes with that ``name``, or
    replaces the source node with that id (e.g. ``input``, a file reader) by one, keeping its edges.
    Arrays are shared, not copied, when their layout allows (see :meth:`Image.from_numpy`).

    ``outputs`` says what to return: names of ``py.output`` nodes, ids of sinks to replace (a
    writer), or ``"node.port"`` to tap any output. By default: every ``py.output`` node, or else the
    node with id ``output``. The result maps each name to its images in work-item order, as NumPy
    arrays sharing the engine's memory (``as_images=True``: :class:`Image` objects, with geometry).
    Other arguments as for :func:`run`.
    """
    feed = {name: _as_images(name, value) for name, value in (inputs or {}).items()}
    if isinstance(outputs, str):
        outputs = [outputs]
    report, results = _mirflow._run_arrays(_source(graph), _overrides(set, overrides), threads, max_in_flight,
                                           progress, feed, None if outputs is None else list(outputs))
    out = Results()
    out.report = _report(report)
    out.item_keys = {}
    for name, items in results.items():
        out[name] = [img if as_images else np.asarray(img) for _, img in items]
        out.item_keys[name] = [key for key, _ in items]
    if stats:
        print(out.report.table(), end="")
    return out


# ---- node types written in Python ----------------------------------------------------------------------
class Param:
    """A parameter of a Python node type, when a bare default value does not say enough.

    ``type`` is one of bool, int, float, string, path, choice, float list (inferred from ``default``
    or ``choices`` when omitted). A parameter without a default is required unless ``optional``.
    ``range=(lo, hi)`` bounds numbers; ``unit`` and ``doc`` appear in :func:`describe`.
    """

    def __init__(self, default=None, *, type=None, range=None, unit="", doc="", choices=None, optional=False):
        self.default, self.type, self.range, self.unit = default, type, range, unit
        self.doc, self.choices, self.optional = doc, list(choices or []), optional


_TYPE_ALIASES = {"str": "string", "floats": "float list", "float_list": "float list", "list": "float list"}


def _param_spec(name, p):
    if not isinstance(p, Param):
        p = Param(p)
    t = _TYPE_ALIASES.get(p.type, p.type)
    d = p.default
    if t is None:
        if p.choices:
            t = "choice"
        elif isinstance(d, bool):
            t = "bool"
        elif isinstance(d, int):
            t = "int"
        elif isinstance(d, float):
            t = "float"
        elif isinstance(d, (str, os.PathLike)):
            t = "string"
        elif isinstance(d, (list, tuple)):
            t = "float list"
        else:
            raise TypeError(f"parameter '{name}': give a default value, or mirflow.Param(type=...) "
                            "(bool, int, float, string, path, choice, float list)")
    if isinstance(d, os.PathLike):
        d = os.fspath(d)
    lo, hi = p.range if p.range is not None else (None, None)
    return {"name": name, "type": t, "default": d, "min": lo, "max": hi, "unit": p.unit, "doc": p.doc,
            "choices": [str(c) for c in p.choices], "optional": p.optional}


def _port(name, value):
    if isinstance(value, str):
        return (name, value, "")
    port_type, doc = value
    return (name, port_type, doc)


def node_type(type, *, inputs=None, outputs=None, params=None, doc=None):
    """Registers a class as a node type usable in any graph this process runs.

    ::

        @mirflow.node_type("py.scale", inputs={"image": "image"}, outputs={"image": "image"},
                           params={"factor": 1.0})
        class Scale:
            def __init__(self, params):          # validated parameters, defaults filled in
                self.factor = params["factor"]
            def process(self, inputs):           # {port: array}, read-only views of the inputs
                return {"image": inputs["image"] * self.factor}

    ``inputs``/``outputs`` map port names to a port type (``"image"``: NumPy arrays in, arrays or
    :class:`Image` out; ``"json"``: parsed JSON in, JSON-serialisable values out), or to
    ``(type, doc)``; both default to one ``image`` port. ``params`` maps names to default values or
    :class:`Param`. An output array of the first input's shape inherits its geometry and metadata;
    an input array returned as is passes through without a copy. With one output, process() may
    return the value instead of a dict.

    One instance is made per graph node per run, and its process() runs serially, with the GIL
    held. An exception in it becomes a :class:`RunError` naming the node and the work item, with
    the original exception as ``__cause__``. Defining a type again replaces it (for later runs).
    """
    if "." not in type:
        raise ValueError(f"node type '{type}' should be written family.name, e.g. 'py.{type}'")

    def register(cls):
        if not callable(getattr(cls, "process", None)):
            raise TypeError(f"{cls.__qualname__} has no process(self, inputs) method")
        first_doc_line = (cls.__doc__ or "").strip().splitlines()[0:1]
        spec = {
            "type": type,
            "doc": doc if doc is not None else (first_doc_line[0] if first_doc_line else cls.__qualname__),
            "inputs": [_port(n, v) for n, v in ({"image": "image"} if inputs is None else inputs).items()],
            "outputs": [_port(n, v) for n, v in ({"image": "image"} if outputs is None else outputs).items()],
            "params": [_param_spec(n, p) for n, p in (params or {}).items()],
        }
        if cls.__init__ is object.__init__:
            def factory(params, cls=cls):
                instance = cls()
                instance.params = params
                return instance
            factory.__module__, factory.__qualname__ = cls.__module__, cls.__qualname__
        else:
            factory = cls
        _mirflow._register_node_type(spec, factory)
        cls.node_type = type
        return cls

    return register
