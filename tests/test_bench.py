"""The benchmark runs end to end at 100 articles (a smoke test: no timing goals here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def test_bench_smoke_run(tmp_path: Path, nlp) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--sizes", "100", "--quick",
                             "--workdir", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = json.loads((tmp_path / "bench.json").read_text())
    measures = {(corpus, measure) for corpus, measure, _ in rows}
    for expected in [("seeds", "full build, cold"), ("100", "full build, cold"), ("100", "full build, --force"),
                     ("100", "search index"),
                     ("100", "no-op rebuild"), ("100", "one article edited"), ("100", "one annotation corrected"),
                     ("100", "one article added"), ("100", "the newest article added")]:
        assert expected in measures
    assert "targets:" in result.stdout
    assert "annotated 1 articles" in dict(((c, m), r) for c, m, r in rows)[("100", "one article edited")]
