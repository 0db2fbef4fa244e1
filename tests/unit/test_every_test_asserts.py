"""Every test asserts something: a test that cannot fail is a defect, so the suite refuses one with no assertion."""

from __future__ import annotations

from pathlib import Path

from tests.assertion_scan import unasserted_tests

TESTS = Path(__file__).resolve().parents[1]

HELPERS = """
import pytest
from playwright.sync_api import expect


def check_ledger(c):
    assert c.balance == sum(c.ledger)


def check_everything(c):
    check_ledger(c)


def tidy(c):
    c.close()


class Shop:
    def receipt(self):
        assert self.paid
"""


def scan(test_source: str) -> list[str]:
    return unasserted_tests({"tests.helpers": HELPERS, "tests.unit.test_example": test_source})


def test_no_test_in_the_suite_goes_without_an_assertion() -> None:
    sources = {
        ".".join(path.relative_to(TESTS.parent).with_suffix("").parts): path.read_text()
        for path in sorted(TESTS.rglob("*.py"))
    }
    assert unasserted_tests(sources) == []


def test_a_test_that_only_calls_the_code_is_caught() -> None:
    source = "from core.bootstrap import check_sign_in\n\ndef test_it_passes():\n    check_sign_in(settings())\n"
    assert scan(source) == ["tests.unit.test_example::test_it_passes"]


def test_a_helper_that_asserts_counts_at_any_depth_and_one_that_does_not_is_no_assertion() -> None:
    source = """
from tests.helpers import check_everything, tidy
from tests import helpers
import tests.helpers as h


def test_through_two_helpers():
    check_everything(make())


def test_through_the_module():
    helpers.check_ledger(make())


def test_through_an_alias():
    h.check_everything(make())


def test_only_tidies():
    tidy(make())


def local_helper(c):
    c.run()


def test_through_a_local_helper_that_asserts_nothing():
    local_helper(make())
"""
    assert scan(source) == [
        "tests.unit.test_example::test_only_tidies",
        "tests.unit.test_example::test_through_a_local_helper_that_asserts_nothing",
    ]


def test_pytest_checks_playwright_expect_and_methods_of_test_classes_count() -> None:
    source = """
import pytest
from playwright.sync_api import expect
from tests.helpers import Shop


def test_raises():
    with pytest.raises(ValueError):
        parse("x")


def test_fails():
    if broken():
        pytest.fail("broken")


def test_expect(page):
    expect(page.get_by_text("Paid")).to_be_visible()


def test_helper_method():
    Shop.receipt(shop())


class TestGroup:
    def check(self):
        assert True

    def test_uses_self(self):
        self.check()

    def test_does_nothing(self):
        self.other()
"""
    assert scan(source) == ["tests.unit.test_example::TestGroup::test_does_nothing"]


def test_a_state_machine_counts_only_when_one_of_its_rules_or_invariants_asserts() -> None:
    source = """
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test


class Checked(RuleBasedStateMachine):
    @rule()
    def step(self):
        self.n += 1

    @invariant()
    def balanced(self):
        assert self.n >= 0


class Unchecked(RuleBasedStateMachine):
    @rule()
    def step(self):
        self.n += 1


TestChecked = Checked.TestCase
TestUnchecked = Unchecked.TestCase


def test_runs_the_checked_machine():
    run_state_machine_as_test(lambda: Checked())


def test_runs_the_unchecked_machine():
    run_state_machine_as_test(Unchecked)
"""
    assert scan(source) == [
        "tests.unit.test_example::TestUnchecked",
        "tests.unit.test_example::test_runs_the_unchecked_machine",
    ]
