"""The package's layering, read from its imports: no cycle between modules or parts, each layer's imports
pointing down, middleware independent of route dependencies."""

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

API = Path(__file__).resolve().parent.parent / "api"
WEB = {"fastapi", "starlette"}
ORM = {"tortoise"}
# what runs below HTTP: none of it may know how a request arrived or how an answer is shaped
BELOW_HTTP = (
    "api.core",
    "api.db",
    "api.errors",
    "api.services",
    "api.grants",
    "api.administration",
    "api.oidc",
    "api.passkeys",
    "api.social",
    "api.mail",
    "api.backchannel",
    "api.observability",
)


def _name(path: Path) -> str:
    parts = path.relative_to(API.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    return {_name(path): path for path in API.rglob("*.py") if "migrations" not in path.parts}


def _imports() -> dict[str, set[str]]:
    """Every api module (migrations aside) and the absolute names of the modules it imports."""
    paths = _sources()
    found: dict[str, set[str]] = {}
    for module, path in paths.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                submodules = {f"{base}.{alias.name}" for alias in node.names} & paths.keys()
                # `from pkg import module` imports that module; `from module import name`, the module itself
                names.update(submodules if len(submodules) == len(node.names) else {base, *submodules})
        found[module] = names
    return found


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _part(module: str) -> str:
    """A sub-package or top-level module of api: the unit whose imports must not go round in a circle."""
    return ".".join(module.split(".")[:2])


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as cycle:
        return list(cycle.args[1])
    return None


def _middleware() -> set[str]:
    """Modules defining an ASGI middleware: a class whose `__call__` takes scope, receive and send."""
    found = set()
    for module, path in _sources().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.AsyncFunctionDef)
                and node.name == "__call__"
                and [arg.arg for arg in node.args.args[1:4]] == ["scope", "receive", "send"]
            ):
                found.add(module)
    return found


def test_api_modules_import_no_cycle() -> None:
    imports = _imports()
    graph = {
        module: {name for name in names if name in imports and name != module}
        for module, names in imports.items()
    }
    assert _cycle(graph) is None


def test_parts_import_no_cycle() -> None:
    # api itself (create_app) wires every part together, so it stands outside
    graph: dict[str, set[str]] = {}
    for module, names in _imports().items():
        if module == "api":
            continue
        targets = {_part(name) for name in names if name.startswith("api.") and _part(name) != _part(module)}
        graph.setdefault(_part(module), set()).update(targets)
    assert _cycle(graph) is None


def test_nothing_below_http_imports_a_web_framework() -> None:
    offenders = {
        module: sorted(name for name in names if name.split(".")[0] in WEB)
        for module, names in _imports().items()
        if _within(module, BELOW_HTTP)
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_nothing_below_http_imports_an_http_schema() -> None:
    offenders = {
        module: sorted(name for name in names if _within(name, ("api.schemas", "api.http", "api.hotpath")))
        for module, names in _imports().items()
        if _within(module, BELOW_HTTP)
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_only_the_app_imports_route_modules() -> None:
    offenders = {
        module
        for module, names in _imports().items()
        if module != "api"
        and not _within(module, ("api.routes",))
        and any(_within(n, ("api.routes",)) for n in names)
    }
    assert offenders == set()


def test_middleware_imports_no_route_dependency() -> None:
    middleware = _middleware()
    assert {
        "api.hotpath.me",
        "api.hotpath.token",
        "api.hotpath.change_tracking",
        "api.http.body_limit",
        "api.http.request_metrics",
    } <= middleware
    imports = _imports()
    offenders = {
        module: sorted(name for name in imports[module] if _within(name, ("api.http.deps", "api.routes")))
        for module in middleware
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_the_core_imports_neither_a_web_framework_nor_the_orm_nor_any_layer_above() -> None:
    offenders = {
        module: sorted(
            name
            for name in names
            if name.split(".")[0] in WEB | ORM
            or (name.startswith("api.") and not _within(name, ("api.core", "api.errors")))
        )
        for module, names in _imports().items()
        if _within(module, ("api.core",))
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_a_part_cycle_is_found() -> None:
    # the checks above can fail: a cycle of three parts is named
    assert _cycle({"api.a": {"api.b"}, "api.b": {"api.c"}, "api.c": {"api.a"}}) is not None
