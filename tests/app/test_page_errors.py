"""A page that raises fails the tests that run it: every AppTest run is checked (tests/conftest.py), not only the
tests that remember to look at `at.exception`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGE_TESTS = "tests/app/test_pages.py"
# Loaded into a separate pytest run with -p: pages/generate.py raises on its first line, the file itself untouched.
CRASH_PLUGIN = """
from streamlit.runtime.scriptrunner.script_cache import ScriptCache

original = ScriptCache.get_bytecode


def get_bytecode(self, script_path):
    if script_path.replace("\\\\", "/").endswith("pages/generate.py"):
        source = open(script_path, encoding="utf-8").read()
        future = "from __future__ import annotations\\n"
        crash = 'raise RuntimeError("made to raise by the test")\\n'
        return compile(source.replace(future, future + crash, 1), script_path, "exec")
    return original(self, script_path)


ScriptCache.get_bytecode = get_bytecode
"""


def broken_page() -> None:
    import streamlit as st

    st.title("Gallery")
    raise KeyError("no such image")


@pytest.fixture
def error_details_hidden() -> Iterator[None]:
    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "none")
    yield
    config.set_option("client.showErrorDetails", before)


def test_a_page_that_raises_fails_the_test_and_shows_the_exception() -> None:
    with pytest.raises(pytest.fail.Exception, match="KeyError") as failed:
        AppTest.from_function(broken_page, default_timeout=30).run()
    assert "no such image" in str(failed.value) and "raise KeyError" in str(failed.value)


def test_a_page_that_raises_fails_the_test_even_with_error_details_hidden(error_details_hidden: None) -> None:
    with pytest.raises(pytest.fail.Exception, match="raised while the test ran it") as failed:
        AppTest.from_function(broken_page, default_timeout=30).run()
    assert "The original error message is redacted" in str(failed.value)  # production's setting, still a failure


@pytest.mark.page_raises
def test_a_test_marked_as_making_its_page_raise_sees_the_page_instead() -> None:
    at = AppTest.from_function(broken_page, default_timeout=30).run()
    assert [t.value for t in at.title] == ["Gallery"]
    assert "no such image" in at.exception[0].message


def test_the_generate_page_made_to_raise_fails_its_tests_and_spares_the_others(tmp_path: Path) -> None:
    (tmp_path / "crash_generate_page.py").write_text(CRASH_PLUGIN)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    tests = [
        f"{PAGE_TESTS}::test_the_model_picker_is_hidden_while_there_is_only_one_model",
        f"{PAGE_TESTS}::test_a_guest_opening_any_page_directly_sees_only_the_sign_in_form[pages/credits.py]",
    ]
    command = [sys.executable, "-m", "pytest", "-p", "crash_generate_page", "-p", "no:cacheprovider", "-q", *tests]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "1 failed, 1 passed" in output, output
    assert "FAILED " + tests[0] in output, output
    assert "RuntimeError: made to raise by the test" in output, output
