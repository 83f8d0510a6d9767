from __future__ import annotations

import pytest

from tests.detectors.agents.helpers import sample_trajectories


@pytest.fixture(scope="session")
def samples(tmp_path_factory):
    """The agent samples as the scan reads them, by trajectory id."""
    return sample_trajectories(tmp_path_factory.mktemp("samples"))
