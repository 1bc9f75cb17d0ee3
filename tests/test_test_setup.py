"""The suite tests this source tree however pytest is started."""

from __future__ import annotations

from pathlib import Path

import iacguard

ROOT = Path(__file__).resolve().parent.parent


def test_iacguard_is_imported_from_this_source_tree():
    assert Path(iacguard.__file__).resolve().parent == ROOT / "iacguard"
