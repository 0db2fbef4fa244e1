"""Find test functions that assert nothing: no `assert`, no pytest.raises/fail/warns, no Playwright `expect(...)`,
and no call to a helper of the tests package that asserts (followed through any depth of helpers)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

PYTEST_CHECKS = {"raises", "fail", "warns", "deprecated_call"}
STATE_MACHINE_RULES = {"rule", "invariant", "initialize"}

Key = tuple[str, str]  # (module, "function" or "Class.method")


@dataclass
class _Function:
    asserts: bool = False
    calls: set[Key] = field(default_factory=set)


@dataclass
class _Module:
    name: str
    tree: ast.Module
    tests_package: str
    imported_names: dict[str, Key] = field(default_factory=dict)  # local name -> (module, name)
    imported_modules: dict[str, str] = field(default_factory=dict)  # local name -> module
    pytest_names: set[str] = field(default_factory=set)  # `from pytest import raises` and the like
    expect_names: set[str] = field(default_factory=set)  # Playwright's `expect`

    def __post_init__(self) -> None:
        package = self.name.rsplit(".", 1)[0]
        for node in self.tree.body:
            if isinstance(node, ast.ImportFrom):
                source = node.module or ""
                if node.level:  # relative: from . import x, from .helpers import y
                    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    source = f"{base}.{source}" if source else base
                for alias in node.names:
                    local = alias.asname or alias.name
                    if source == "pytest" and alias.name in PYTEST_CHECKS:
                        self.pytest_names.add(local)
                    elif source.startswith("playwright") and alias.name == "expect":
                        self.expect_names.add(local)
                    elif self._ours(source):
                        self.imported_names[local] = (source, alias.name)
                        self.imported_modules[local] = f"{source}.{alias.name}"  # `from tests import factories`
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if self._ours(alias.name):
                        self.imported_modules[alias.asname or alias.name] = alias.name

    def _ours(self, module: str) -> bool:
        return module == self.tests_package or module.startswith(self.tests_package + ".")


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := _dotted(node.value)) is not None:
        return f"{base}.{node.attr}"
    return None


def _is_direct_check(node: ast.AST, module: _Module) -> bool:
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.Raise) and node.exc is not None:
        raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return _dotted(raised) == "AssertionError"
    if not isinstance(node, ast.Call):
        return False
    name = _dotted(node.func) or ""
    head, _, last = name.rpartition(".")
    return (
        (head == "pytest" and last in PYTEST_CHECKS)
        or name in module.pytest_names
        or name in module.expect_names
        or (head == "self" and last.startswith("assert"))  # unittest style
    )


def _calls(node: ast.AST, module: _Module, local: Mapping[str, str], klass: str | None) -> Iterator[Key]:
    """Each call in `node` that names a function of the tests package; a run of a state machine
    (`run_state_machine_as_test`) counts as a call to each class of the package that the function names."""
    if any(
        isinstance(n, ast.Call) and (_dotted(n.func) or "").endswith("run_state_machine_as_test")
        for n in ast.walk(node)
    ):
        for name in ast.walk(node):
            if isinstance(name, ast.Name) and name.id in local:
                yield (module.name, local[name.id])
            elif isinstance(name, ast.Name) and name.id in module.imported_names:
                yield module.imported_names[name.id]
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        name = _dotted(call.func)
        if name is None:
            continue
        head, _, last = name.rpartition(".")
        if not head:
            if name in local:
                yield (module.name, local[name])
            elif name in module.imported_names:
                yield module.imported_names[name]
        elif head in ("self", "cls") and klass is not None:
            yield (module.name, f"{klass}.{last}")
        elif head in local:  # a class of this module: Helper.method(...)
            yield (module.name, f"{local[head]}.{last}")
        else:
            if head in module.imported_modules:  # helpers.check(...), or Helper.method(...) of an imported class
                yield (module.imported_modules[head], last)
            if head in module.imported_names:
                source, class_name = module.imported_names[head]
                yield (source, f"{class_name}.{last}")


def _decorated_as(node: ast.FunctionDef | ast.AsyncFunctionDef, names: set[str]) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (_dotted(target) or "").rpartition(".")[2] in names:
            return True
    return False


@dataclass
class Scan:
    """The tests package's functions, each knowing whether it asserts and which of the package's functions it calls."""

    functions: dict[Key, _Function] = field(default_factory=dict)
    tests: list[Key] = field(default_factory=list)

    def add(self, module: _Module) -> None:
        local = {
            n.name: n.name
            for n in module.tree.body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        is_test_module = module.name.rsplit(".", 1)[-1].startswith("test_")
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._function(module, node, node.name, local, None)
                if is_test_module and node.name.startswith("test"):
                    self.tests.append((module.name, node.name))
            elif isinstance(node, ast.ClassDef):
                rules = []
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        key = self._function(module, item, f"{node.name}.{item.name}", local, node.name)
                        if is_test_module and node.name.startswith("Test") and item.name.startswith("test"):
                            self.tests.append(key)
                        if _decorated_as(item, STATE_MACHINE_RULES):
                            rules.append(key)
                if rules:  # a state machine asserts when one of its rules or invariants does
                    self.functions[(module.name, node.name)] = _Function(calls=set(rules))
            elif isinstance(node, ast.Assign) and is_test_module:
                # `TestJobs = JobMachine.TestCase`: Hypothesis runs the machine's rules and invariants as a test.
                value = _dotted(node.value) or ""
                machine = value.removesuffix(".TestCase")
                if value.endswith(".TestCase") and (machine in local or machine in module.imported_names):
                    key = (module.name, machine) if machine in local else module.imported_names[machine]
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            self.functions[(module.name, target.id)] = _Function(calls={key})
                            self.tests.append((module.name, target.id))

    def _function(
        self,
        module: _Module,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        qualified: str,
        local: Mapping[str, str],
        klass: str | None,
    ) -> Key:
        key = (module.name, qualified)
        self.functions[key] = _Function(
            asserts=any(_is_direct_check(n, module) for n in ast.walk(node)),
            calls=set(_calls(node, module, local, klass)),
        )
        return key

    def asserting(self) -> set[Key]:
        """Every function that asserts, itself or through the package's functions it calls (a fixpoint)."""
        found = {key for key, f in self.functions.items() if f.asserts}
        changed = True
        while changed:
            changed = False
            for key, f in self.functions.items():
                if key not in found and f.calls & found:
                    found.add(key)
                    changed = True
        return found

    def without_assertions(self) -> list[str]:
        asserting = self.asserting()
        return [
            f"{module}::{name.replace('.', '::')}" for module, name in self.tests if (module, name) not in asserting
        ]


def unasserted_tests(sources: Mapping[str, str], tests_package: str = "tests") -> list[str]:
    """The tests (module::name) in `sources` (module name -> source) that assert nothing, however indirectly."""
    scan = Scan()
    for name, source in sources.items():
        scan.add(_Module(name, ast.parse(source), tests_package))
    return scan.without_assertions()
