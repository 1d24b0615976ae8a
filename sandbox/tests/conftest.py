"""Fixtures of the sandbox tests: one running sandbox per test module (clock and
faults reset after every test), logged-in callers for the two demo sellers."""
import pytest
from sandbox_helpers import MH_USER, Nic

from sandbox.testing import RunningSandbox


@pytest.fixture(scope="module")
def sandbox():
    with RunningSandbox() as running:
        yield running


@pytest.fixture(autouse=True)
def _reset_sandbox(request):
    """Each test starts on real time, without faults, with the default rules and AATO bands (the sandbox
    itself is shared per module)."""
    yield
    if "sandbox" in request.fixturenames:
        running = request.getfixturevalue("sandbox")
        running.clear_faults()
        running.reset_clock()
        running.reset_rules()


@pytest.fixture
def nic(sandbox):
    return Nic(sandbox).login()


@pytest.fixture
def nic_mh(sandbox):
    return Nic(sandbox, user=MH_USER).login()


@pytest.fixture
def today(sandbox):
    return sandbox.now().date()
