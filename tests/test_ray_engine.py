"""Specifications for the Ray Data engine: a thin adapter over the plain batch scorer.

The batch functions are tested without Ray; one end-to-end run uses a local Ray
(4 logical CPUs on this 2-core box, loopback only, several input blocks) in a
subprocess under a hard timeout, and is skipped when Ray is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from civility.batch import Columns, Record

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

REPO = Path(__file__).resolve().parents[1]


def fake_score(records: list[Record]) -> list[dict]:
    return [{"id": r.id, "attributes": {"toxicity": 0.25}, "targets": [], "spans": [],
             "decision": "publish", "reasons": []} for r in records]


def test_a_batch_scores_its_valid_rows_into_the_parquet_contract() -> None:
    from civility.batch.ray import score_table

    table = pa.table({"id": ["a", "b", "c"], "text": ["hi", None, "there"]})
    out = score_table(table, Columns(), fake_score)
    assert out.column("id").to_pylist() == ["a", "c"]
    assert out.column("attributes").to_pylist()[0]["toxicity"] == 0.25
    assert {"targets", "spans", "decision", "reasons"} <= set(out.schema.names)


def test_a_batch_of_only_bad_rows_scores_to_an_empty_table() -> None:
    from civility.batch.ray import score_table

    out = score_table(pa.table({"id": ["a"], "text": pa.array([None], pa.string())}), Columns(),
                      fake_score)
    assert out.num_rows == 0 and "attributes" in out.schema.names


def test_rejected_rows_carry_their_file_and_reason() -> None:
    from civility.batch.ray import reject_table

    table = pa.table({"id": ["a", "b"], "text": ["fine", None],
                      "path": ["in/part-0.parquet", "in/part-0.parquet"]})
    out = reject_table(table, Columns()).to_pylist()
    assert out == [{"path": "in/part-0.parquet", "reason": "missing 'text'",
                    "raw": '{"id": "b", "text": null, "article": null}'}]


def test_a_failed_ray_write_leaves_no_partial_output_a_complete_one_replaces_it(tmp_path) -> None:
    from civility.batch.ray import _complete_or_absent

    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.parquet").write_text("from an earlier run")
    with pytest.raises(RuntimeError), _complete_or_absent(str(out)) as into:
        Path(into).mkdir()
        (Path(into) / "part-0.parquet").write_text("half")
        raise RuntimeError("killed")
    assert [p.name for p in out.iterdir()] == ["stale.parquet"]
    assert not (tmp_path / "out.civility-tmp").exists()
    with _complete_or_absent(str(out)) as into:
        Path(into).mkdir()
        (Path(into) / "part-0.parquet").write_text("whole")
    assert [p.name for p in out.iterdir()] == ["part-0.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


SCRIPT = textwrap.dedent("""
    import json, sys
    import ray
    from civility.batch import Job, RayEngine
    ray.init(num_cpus=4, _node_ip_address="127.0.0.1", include_dashboard=False,
             log_to_driver=False)
    s = RayEngine().run(Job(sys.argv[1], sys.argv[2], input_format="parquet",
                            output_format="parquet", rejects=sys.argv[3], workers=2,
                            chunk_rows=16))
    ray.shutdown()
    print(json.dumps({"scored": s.scored, "rejected": s.rejected}))
""")



@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")
def test_a_local_ray_scores_parquet_blocks_in_order_with_an_actor_pool(tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    ids, n = [], 0
    for part in range(3):  # several files, several row groups: several blocks
        rows = []
        for _ in range(30):
            n += 1
            rows.append({"id": f"c{n:03d}", "text": None if n in (7, 45) else
                         f"comment {n} about the council budget" + " idiot" * (n % 2)})
            if n not in (7, 45):
                ids.append(f"c{n:03d}")
        pq.write_table(pa.Table.from_pylist(rows), src / f"part-{part}.parquet", row_group_size=10)
    out, rejects = tmp_path / "out", tmp_path / "rejects"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH",
                                                                                   "")])}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(src), str(out), str(rejects)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # Ray's own processes too
        proc.communicate()
        pytest.fail("Ray run did not finish within 300 s (deadlock?)")
    assert proc.returncode == 0, stderr[-3000:]
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary == {"scored": 88, "rejected": 2}
    table = pq.read_table(out)
    assert table.column("id").to_pylist() == ids
    assert set(table.column("decision").to_pylist()) <= {"publish", "review", "reject"}
    bad = [json.loads(line) for f in sorted(rejects.iterdir())
           for line in f.read_text().splitlines()]
    assert sorted(json.loads(b["raw"])["id"] for b in bad) == ["c007", "c045"]
