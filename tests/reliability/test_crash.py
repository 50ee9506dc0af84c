"""kill -9 of real writer processes at random moments, inside merges and inside artifact writes.

Every writer flushes in a loop and prints what each ``flush()`` acknowledged
(``scripts/crash_writer.py``); the test kills them, replaces them, and at the
end checks the store against everything that was acknowledged. (A kill right
after ``start_run`` alone: ``test_exit.py``.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ._workers import CrashCampaign, check_crashed_store


def _campaign(store_dir: Path, tmp_path: Path, kills: int, parallel: int, seed: int) -> CrashCampaign:
    campaign = CrashCampaign(store_dir, tmp_path / "victims", kills=kills, parallel=parallel, seed=seed)
    campaign.run()
    problems, _ = check_crashed_store(store_dir, campaign.acknowledged)
    assert problems == []
    assert not any("Traceback" in err for err in campaign.stderr), "\n".join(campaign.stderr)
    return campaign


def test_kill_9_at_random_moments_inside_merges_and_artifact_writes(store_dir, tmp_path):
    campaign = _campaign(store_dir, tmp_path, kills=60, parallel=3, seed=12)
    figures = campaign.summary()
    assert figures["kills"] >= 60
    assert figures["kills_holding_lock"] >= 5  # kills landed inside merges
    assert figures["kills_writing_artifact"] >= 1
    assert figures["points_acknowledged"] > 0 and figures["artifacts_acknowledged"] > 0
    assert figures["runs_ended"] > 0  # finished runs next to killed ones


@pytest.mark.soak
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_soak_kill_9(store_dir, tmp_path, seed):
    campaign = _campaign(store_dir, tmp_path, kills=200, parallel=4, seed=seed)
    assert campaign.summary()["kills_holding_lock"] >= 20
