"""The floor plan (docs/architecture.md), checked: which package may import which, no circle
between modules, modules and functions small enough to read, every package installed.

Each rule is checked on the project's own source, and once on a small tree that breaks it, so
that a rule that could not fail is not mistaken for one that holds.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("flows", "db", "adapters", "bot")
# What each part may import of the product's own packages (third-party libraries aside,
# except for flows, which takes the standard library only).
MAY_IMPORT = {
    "flows": ("flows",),
    "db": ("db", "flows"),
    "adapters": ("adapters", "flows"),
}
# The ticket back end knows no channel, no web page and not how the helpdesk is put together.
CORE_MAY_NOT = ("adapters", "bot.web", "bot.app", "bot.build", "bot.channels", "bot.helpdesk")
# Only these put the helpdesk together (`bot.build`): the commands, the tests, the benchmarks.
ENTRY_POINTS = ("bot.__main__",)
MODULE_LINES = 400
FUNCTION_LINES = 80


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # what it imports, dotted (a module, or a name in one)
    line: int
    top_level: bool  # at import time (not inside a function, nor only for type checking)


def modules(root: Path) -> Iterator[tuple[str, Path]]:
    for package in PRODUCT:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Alembic's revisions: generated, and run by Alembic alone
            dotted = ".".join(path.relative_to(root).with_suffix("").parts)
            yield dotted.removesuffix(".__init__"), path


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_later(node: ast.AST) -> bool:
    """Inside a function (run later), or only for the type checker."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        return True
    return isinstance(node, ast.If) and _type_checking_only(node)


def imports_of(module: str, tree: ast.Module) -> Iterator[Import]:
    def visit(node: ast.AST, top_level: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(module, alias.name, child.lineno, top_level)
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                for alias in child.names:
                    target = f"{child.module}.{alias.name}"
                    yield Import(module, target, child.lineno, top_level)
            elif _imported_later(child):
                yield from visit(child, False)
            else:
                yield from visit(child, top_level)

    yield from visit(tree, True)


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layering_problems(root: Path) -> list[str]:
    problems = []
    for module, path in modules(root):
        for found in imports_of(module, ast.parse(path.read_text())):
            target, where = found.target, f"{path.relative_to(root)}:{found.line}"
            top = target.split(".")[0]
            part = module.split(".")[0]
            if part == "flows" and top not in PRODUCT and top not in sys.stdlib_module_names:
                problems.append(f"{where}: flows imports {top}, not the standard library")
            allowed = MAY_IMPORT.get(part)
            if allowed and top in PRODUCT and not any(_within(target, a) for a in allowed):
                problems.append(f"{where}: {part} may not import {target}")
            if _within(module, "bot.core") and any(_within(target, n) for n in CORE_MAY_NOT):
                problems.append(f"{where}: the ticket back end imports {target}")
            if _within(target, "bot.build") and module not in ENTRY_POINTS:
                problems.append(f"{where}: {module} imports bot.build (entry points only)")
    return problems


def circles(root: Path) -> list[list[str]]:
    """Circles between modules through what they import when imported (Tarjan's SCCs)."""
    names = {module for module, _ in modules(root)}
    edges: dict[str, set[str]] = {module: set() for module in names}
    for module, path in modules(root):
        for found in imports_of(module, ast.parse(path.read_text())):
            if not found.top_level:
                continue
            target = found.target
            while target and target not in names:
                target = target.rpartition(".")[0]
            if target and target != module:
                edges[module].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found_circles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in edges[node]:
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found_circles.append(sorted(component))

    for node in sorted(names):
        if node not in index:
            connect(node)
    return found_circles


def size_problems(root: Path) -> list[str]:
    problems = []
    for _module, path in modules(root):
        text = path.read_text()
        where = path.relative_to(root)
        if text.count("\n") > MODULE_LINES:
            problems.append(f"{where}: {text.count(chr(10))} lines (at most {MODULE_LINES})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > FUNCTION_LINES:
                    problems.append(f"{where}:{node.lineno}: {node.name} is {length} lines")
    return problems


def uninstalled_packages(root: Path) -> list[str]:
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    packages = {
        ".".join(init.parent.relative_to(root).parts)
        for part in PRODUCT
        for init in (root / part).rglob("__init__.py")
    }
    return sorted(packages - listed)


def test_each_part_imports_only_what_the_floor_plan_allows() -> None:
    assert layering_problems(ROOT) == []


def test_no_module_imports_itself_back_through_others() -> None:
    assert circles(ROOT) == []


def test_modules_and_functions_stay_small_enough_to_read() -> None:
    assert size_problems(ROOT) == []


def test_every_package_is_installed() -> None:
    assert uninstalled_packages(ROOT) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name in ("flows", "db", "adapters", "bot", "bot/core"):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
        (tmp_path / name / "__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.setuptools]\npackages = ["flows", "db", "adapters", "bot"]\n'
    )
    return tmp_path


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ({"flows/step.py": "import sqlalchemy\n"}, "flows imports sqlalchemy"),
        ({"db/models.py": "from bot.core import tickets\n"}, "db may not import bot.core"),
        ({"adapters/sms.py": "from db.uow import UnitOfWork\n"}, "adapters may not import db"),
        ({"bot/core/outbox.py": "from adapters import pace\n"}, "back end imports adapters"),
        ({"bot/web.py": "from bot.build import build\n"}, "imports bot.build"),
    ],
)
def test_a_broken_arrow_is_named(tmp_path: Path, files: dict[str, str], said: str) -> None:
    problems = layering_problems(_tree(tmp_path, files))
    assert len(problems) == 1 and said in problems[0]


def test_a_circle_is_named_and_a_lazy_import_is_not_one(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/a.py": "from bot import b\n",
            "bot/b.py": "import bot.a\n",
            "bot/c.py": "def later() -> None:\n    from bot import d\n",
            "bot/d.py": "from bot import c\n",
        },
    )
    assert circles(root) == [["bot.a", "bot.b"]]


def test_a_long_module_a_long_function_and_a_forgotten_package_are_named(tmp_path: Path) -> None:
    body = "".join(f"    x{n} = {n}\n" for n in range(FUNCTION_LINES))
    root = _tree(tmp_path, {"bot/long.py": "def long() -> None:\n" + body + "\n" * 400})
    (root / "bot" / "reports").mkdir()
    (root / "bot" / "reports" / "__init__.py").write_text("")
    problems = size_problems(root)
    assert [problem.split(": ")[1] for problem in problems] == [
        f"{FUNCTION_LINES + 401} lines (at most {MODULE_LINES})",
        f"long is {FUNCTION_LINES + 1} lines",
    ]
    assert uninstalled_packages(root) == ["bot.core", "bot.reports"]
