"""The package's layering, read from its imports: no cycle, no web framework in services, no route below."""

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

API = Path(__file__).resolve().parent.parent / "api"
# pure: they run anywhere (threads, commands, other services), so neither a web framework nor the ORM
PURE = {
    "api.passwords",
    "api.tokens",
    "api.signing",
    "api.sealing",
    "api.csrf",
    "api.usernames",
    "api.scopes",
}
WEB = {"fastapi", "starlette"}


def _name(path: Path) -> str:
    parts = path.relative_to(API.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every api module (migrations aside) and the absolute names of the modules it imports."""
    paths = {_name(path): path for path in API.rglob("*.py") if "migrations" not in path.parts}
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


def test_api_modules_import_no_cycle() -> None:
    imports = _imports()
    graph = {
        module: {name for name in names if name in imports and name != module}
        for module, names in imports.items()
    }
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as cycle:
        pytest.fail(f"import cycle: {' -> '.join(cycle.args[1])}")


def test_services_and_pure_modules_import_no_web_framework() -> None:
    offenders = {
        module: sorted(name for name in names if name.split(".")[0] in WEB)
        for module, names in _imports().items()
        if module.startswith("api.services") or module in PURE
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_only_the_app_imports_route_modules() -> None:
    offenders = {
        module
        for module, names in _imports().items()
        if module != "api"
        and not module.startswith("api.routes")
        and any(n.startswith("api.routes") for n in names)
    }
    assert offenders == set()


def test_pure_modules_import_no_orm() -> None:
    assert {
        module for module in PURE if any(n.split(".")[0] == "tortoise" for n in _imports()[module])
    } == set()
