import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("PIKET_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")


@pytest.fixture
def scenarios_dir():
    folder = SHARED / "scenarios"
    if not folder.is_dir():
        pytest.skip(f"shared scenarios not found at {folder} (set PIKET_SHARED_DIR)")
    return folder
