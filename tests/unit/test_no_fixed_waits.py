"""No test waits a fixed time: it waits for what a person would see, or polls the state with a deadline
(tests/waiting.py), so a slow machine cannot make it miss what arrives late."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SLEEPS = {"sleep", "wait_for_timeout"}
# Where a pause is the point, by file and function: the shared poll's interval between two looks, and the local
# fal server's simulated latency on a status request, which a test asks for by its scenario.
ALLOWED = {("waiting.py", "wait_until"), ("waiting.py", "wait_until_async"), ("fal_server.py", "_status")}


def fixed_waits(source: str) -> list[tuple[str, int]]:
    """Each call of a sleep (time.sleep, asyncio.sleep, Playwright's wait_for_timeout): (innermost function, line)."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in SLEEPS:
                found.append((function, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(source), "<module>")
    return found


def test_no_test_waits_a_fixed_time() -> None:
    found = [
        f"{path.relative_to(TESTS)}:{line} in {function}()"
        for path in sorted(TESTS.rglob("*.py"))
        for function, line in fixed_waits(path.read_text())
        if (path.name, function) not in ALLOWED
    ]
    assert found == []


def test_the_scan_finds_each_kind_of_fixed_wait() -> None:
    source = """
import asyncio, time
from time import sleep


def test_a(page):
    page.wait_for_timeout(1500)


def test_b():
    time.sleep(0.5)


async def test_c():
    await asyncio.sleep(1)


def helper():
    sleep(2)
"""
    assert [name for name, _ in fixed_waits(source)] == ["test_a", "test_b", "test_c", "helper"]
