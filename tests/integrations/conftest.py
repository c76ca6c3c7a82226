"""The Avaya agent report has an optional C speed-up of its row lookup: its tests run on both."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from integrations.avaya_cms import agents


@pytest.fixture(scope="module", params=["c-speedup", "pure-python"])
def agent_lookup(request: pytest.FixtureRequest) -> Iterator[str]:
    """Decoders made in the test look agent rows up with the C speed-up, then without it.

    Module-scoped (hypothesis tests run each example under it). Without the speed-up built
    its half is skipped, or fails where WALLBOARD_REQUIRE_SPEEDUPS is set, as CI sets it."""
    if request.param == "pure-python":
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(agents, "Heads", None)
            yield request.param
        return
    if agents.Heads is None:
        if os.environ.get("WALLBOARD_REQUIRE_SPEEDUPS"):
            pytest.fail("integrations.avaya_cms._speedups is not built (pip install -e .)")
        pytest.skip("integrations.avaya_cms._speedups is not built")
    yield request.param
