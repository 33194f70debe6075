"""The package's layers, enforced: a module imports only from the layers below it.

Every module of ``fashionnet/`` is parsed with :mod:`ast`; every ``import``
and ``from ... import`` counts, at module level and inside functions,
relative or absolute. Each module is mapped to a layer by its dotted name
(the longest prefix in :data:`LAYERS` wins). The layers, top to bottom:

====  =============  ==========================================================
 no.  layer          modules
====  =============  ==========================================================
 10   entry point    ``__main__`` (``python -m fashionnet``)
  9   command        ``cli``: parse, call, format
  8   study          ``study`` (the command runs it; it never runs the command)
  7   tasks          ``tasks`` (a slot: train and evaluate, tune, predict files,
                     audit a dataset, used by both layers above)
  6   analysis       ``evaluation``, ``tuning``
  5   plotting       ``plotting`` (figures of data, models and searches)
  4   models         ``models`` (the estimators, their persistence and export)
  3   data           ``audit``, ``preprocessing``, ``datasets``
  2   images         ``images``, ``callbacks``
  1   leaf services  ``_io``, ``report``, ``_folds``, ``_checks``, ``parallel`` (the
                     joblib backend of many fits), ``_onnx_model`` (an exported
                     ONNX file on onnxruntime: below ``models``, whose import
                     starts Keras, so that ``predict`` never does) and the root
                     package
                     ``fashionnet`` (its ``__version__``; its public names load
                     lazily by string, PEP 562, so ``import fashionnet`` stays
                     cheap)
  0   primitives     ``_validation``, ``rendering``, ``registry``, ``_lock``,
                     ``_backend``, ``progress``, ``_workers`` (a fit's hygiene in
                     a worker process)
====  =============  ==========================================================

The study sits below the command (the command runs the study, the study
never the command). The leaf modules are split in two because ``_io`` and
``report`` build on ``rendering``. ``_folds`` (the cross-validation splitter
that :func:`fashionnet.evaluation.check_folds` re-exports) is a leaf so that
``audit.labels`` can use it without importing ``evaluation``, which is above
``audit``.

Rules:

- An import may go to a lower layer, or to a module of the *same package*
  (``fashionnet.audit.labels`` -> ``fashionnet.audit._table``); an import to
  another package of the same layer, or to a higher layer, fails.
- No cycle at all, inside a package too, searched on the whole graph (the
  strongly connected components of the import graph). The one known cycle is
  listed in :data:`KNOWN_CYCLE_EDGES` with what removes it; an entry that no
  longer exists fails, so the list only shrinks.

What is not counted: imports under ``if TYPE_CHECKING:`` (they never run);
the implicit import of a parent package (``import fashionnet.audit.labels``
runs ``fashionnet/audit/__init__.py`` too, which would make every package a
cycle with its submodules); and names that the root package and the model
registry resolve from strings at run time (``"module:Class"``), the plugin
lookups that keep ``import fashionnet`` free of Keras.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "fashionnet"

#: Layer number -> (name, module prefixes). Higher numbers sit higher.
LAYERS: dict[int, tuple[str, tuple[str, ...]]] = {
    10: ("entry point", ("fashionnet.__main__",)),
    9: ("command", ("fashionnet.cli",)),
    8: ("study", ("fashionnet.study",)),
    7: ("tasks", ("fashionnet.tasks",)),
    6: ("analysis", ("fashionnet.evaluation", "fashionnet.tuning")),
    5: ("plotting", ("fashionnet.plotting",)),
    4: ("models", ("fashionnet.models",)),
    3: ("data", ("fashionnet.audit", "fashionnet.preprocessing", "fashionnet.datasets")),
    2: ("images", ("fashionnet.images", "fashionnet.callbacks")),
    1: (
        "leaf services",
        (
            "fashionnet",
            "fashionnet._io",
            "fashionnet.report",
            "fashionnet._folds",
            "fashionnet._checks",
            "fashionnet.parallel",
            "fashionnet._onnx_model",
        ),
    ),
    0: (
        "primitives",
        (
            "fashionnet._validation",
            "fashionnet.rendering",
            "fashionnet.registry",
            "fashionnet._lock",
            "fashionnet._backend",
            "fashionnet.progress",
            "fashionnet._workers",
        ),
    ),
}

#: Import edges allowed to close a cycle for now: (importer, imported) -> why.
#: Each is a debt with its removal planned; the test fails once it is gone.
KNOWN_CYCLE_EDGES: dict[tuple[str, str], str] = {}


# --------------------------------------------------------------------------- #
# The import graph
# --------------------------------------------------------------------------- #
def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST):
    """Every Import / ImportFrom node, skipping ``if TYPE_CHECKING:`` bodies."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The fashionnet modules that ``module`` imports (itself excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            source = _absolute(node, module, is_package)
            # `from pkg import sub` imports the module pkg.sub; `from pkg import name`, pkg
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                for alias in node.names
            ]
        for target in targets:
            if target == "fashionnet" or target.startswith("fashionnet."):
                while target not in modules:  # `import fashionnet.x.y` of an attribute
                    target = target.rpartition(".")[0]
                found.add(target)
    found.discard(module)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _layer(module: str) -> int:
    best, best_prefix = None, ""
    for number, (_, prefixes) in LAYERS.items():
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and len(prefix) > len(best_prefix):
                best, best_prefix = number, prefix
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}.")
    return best


def _package(module: str) -> str:
    """The top-level package or module under fashionnet that ``module`` belongs to."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


GRAPH = _graph()


# --------------------------------------------------------------------------- #
# Tests
# --------------------------------------------------------------------------- #
def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    # persistence imports the custom layers inside a function, relatively
    # (`from . import _layers`)
    assert "fashionnet.models._layers" in GRAPH["fashionnet.models.persistence"]
    # `from .. import __version__` is an import of the root package
    assert "fashionnet" in GRAPH["fashionnet.models.persistence"]
    assert "fashionnet.study.stages" in GRAPH["fashionnet.study.runner"]


def test_every_module_has_a_layer():
    for module in GRAPH:
        _layer(module)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_go_down_the_layers(module):
    mine = _layer(module)
    wrong = []
    for target in sorted(GRAPH[module]):
        theirs = _layer(target)
        same_package = _package(target) == _package(module) and module != "fashionnet"
        if theirs < mine or (theirs == mine and same_package):
            continue
        wrong.append(f"{target} (layer {theirs}, {LAYERS[theirs][0]})")
    assert not wrong, (
        f"{module} (layer {mine}, {LAYERS[mine][0]}) imports from its own layer or above: "
        f"{', '.join(wrong)}. Move the shared code down a layer (see this test's docstring)."
    )


def test_no_import_cycle():
    graph = {
        module: {t for t in targets if (module, t) not in KNOWN_CYCLE_EDGES}
        for module, targets in GRAPH.items()
    }
    cycles = _cycles(graph)
    assert not cycles, f"import cycles: {cycles}"


def test_known_cycle_edges_still_exist():
    for (module, target), why in KNOWN_CYCLE_EDGES.items():
        assert target in GRAPH.get(module, ()), (
            f"{module} no longer imports {target} ({why}): remove the entry from KNOWN_CYCLE_EDGES."
        )
    # and each one does close a cycle (else it is not needed)
    for module, target in KNOWN_CYCLE_EDGES:
        assert any(module in c and target in c for c in _cycles(GRAPH)), (module, target)


def test_cycle_search_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
