"""``affectlab analyze --backend ray`` on a real local Ray cluster: the same rows as the local backend.

One Ray cluster (``ray.init(num_cpus=2)``) serves the whole session; each test that runs a job
compares the Ray output folder with the local backend's file on the same input.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from affectlab.surfaces.cli.app import app

ray = pytest.importorskip("ray")
runner = CliRunner()
WORDS = ["I love this so much", "awful flight cancelled again", "", "so sad and scared", "not bad, good day"]


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[str]:
    """A local Ray cluster of 2 CPUs for the session; yields its address."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def posts(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": [f"{WORDS[i % len(WORDS)]} {i}" if i % 7 else "" for i in range(start, start + n)],
            "group": ["north" if i % 3 else "south" for i in range(start, start + n)],
            "time": [f"2026-03-{1 + i % 28:02d}" for i in range(start, start + n)],
        }
    )


def run(*args: str) -> Result:
    result = runner.invoke(app, ["analyze", *args, "-q"])
    return result


def assert_same(local: Path, distributed: Path) -> pd.DataFrame:
    expected, got = pd.read_parquet(local), pd.read_parquet(distributed)
    pd.testing.assert_frame_equal(got, expected)
    return got


def test_folder_of_csv_files_with_a_flagged_row(tmp_path: Path, tiny_model_dir: Path, ray_cluster: str) -> None:
    folder = tmp_path / "posts"
    folder.mkdir()
    for k in range(3):  # 3 files x 1,500 rows: several read tasks, batches and write tasks
        posts(1500, start=1500 * k).to_csv(folder / f"part{k}.csv", index=False)
    with (folder / "part1.csv").open("a") as handle:
        handle.write('a,"malformed",row,with,too,many,fields\n')
    model = ["-m", f"embedded:{tiny_model_dir}", "--on-error", "skip"]
    local = run(str(folder), "-o", str(tmp_path / "local.parquet"), *model)
    assert local.exit_code == 0, local.output
    result = run(str(folder), "-o", str(tmp_path / "ray"), "--backend", "ray", *model)
    assert result.exit_code == 0, result.output
    got = assert_same(tmp_path / "local.parquet", tmp_path / "ray")
    assert len(got) == 4501 and got["id"].tolist() == [str(i) for i in range(4501)]
    assert got["source_file"].iloc[[0, 1500, 3000, 4500]].tolist() == [
        "part0.csv",
        "part1.csv",
        "part1.csv",
        "part2.csv",
    ]
    assert got.loc[3000, "flags"] == "error" and "line 1502" in got.loc[3000, "error"]
    assert len(list((tmp_path / "ray").glob("part-*.parquet"))) > 1
    summaries = [  # scored once on Ray, aggregated by affectlab corpus from the folder
        runner.invoke(app, ["corpus", str(tmp_path / out), "--group-column", "group", "--freq", "W", "--json"])
        for out in ("ray", "local.parquet")
    ]
    assert summaries[0].exit_code == 0, summaries[0].output
    assert summaries[0].stdout == summaries[1].stdout and '"n_texts": 4500' in summaries[0].stdout


def test_parquet_with_ids_taxonomy_and_the_cluster_address(
    tmp_path: Path, tiny_model_dir: Path, ray_cluster: str
) -> None:
    frame = posts(3000).assign(id=[f"post-{i:05d}" for i in range(3000)], likes=range(3000))
    frame.sample(frac=1.0, random_state=0).to_parquet(tmp_path / "posts.parquet")  # ids out of sort order
    args = [str(tmp_path / "posts.parquet"), "-m", f"embedded:{tiny_model_dir}", "-t", "ekman"]
    assert run(*args, "-o", str(tmp_path / "local.parquet")).exit_code == 0
    result = run(*args, "-o", str(tmp_path / "scored.parquet"), "--backend", "ray", "--ray-address", ray_cluster)
    assert result.exit_code == 0, result.output
    got = assert_same(tmp_path / "local.parquet", tmp_path / "scored.parquet")
    assert got["id"].tolist() == pd.read_parquet(tmp_path / "posts.parquet")["id"].tolist()
    assert set(got["taxonomy"]) == {"ekman"} and got["likes"].dtype == "int64"
    again = run(*args, "-o", str(tmp_path / "scored.parquet"), "--backend", "ray")
    assert again.exit_code == 2 and "exists; pass --force" in again.stderr
    forced = run(*args, "-o", str(tmp_path / "scored.parquet"), "--backend", "ray", "--force", "--id-column", "id")
    assert forced.exit_code == 0, forced.output
    assert "group" not in pd.read_parquet(tmp_path / "scored.parquet").columns  # --id-column keeps only the id


def test_a_malformed_row_fails_the_run_with_its_line(tmp_path: Path, tiny_model_dir: Path, ray_cluster: str) -> None:
    source = tmp_path / "posts.csv"
    posts(50).to_csv(source, index=False)
    with source.open("a") as handle:
        handle.write("x,y,z,w\n")
    out = tmp_path / "out"
    result = run(str(source), "-o", str(out), "--backend", "ray", "-m", f"embedded:{tiny_model_dir}")
    assert result.exit_code == 2
    assert "line 52" in result.stderr and "--on-error skip" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.*"))  # nothing half-written is left


def test_options_that_do_not_apply_fail_before_ray_starts(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = tmp_path / "posts.csv"
    posts(5).to_csv(source, index=False)
    ray_args = [str(source), "--backend", "ray", "-m", f"embedded:{tiny_model_dir}"]
    cases = {
        "writes Parquet only": [*ray_args, "-o", str(tmp_path / "out.csv")],
        "pass -o FOLDER": ray_args,
        "--resume applies to --backend local": [*ray_args, "-o", str(tmp_path / "o"), "--resume"],
        "for one text use --backend local": ["just one text", "--backend", "ray"],
        "applies to --backend ray": [str(source), "--ray-address", "127.0.0.1:1", "-o", str(tmp_path / "x.csv")],
        "'--backend' parameter": [str(source), "--backend", "spark"],
    }
    for message, args in cases.items():
        result = run(*args)
        assert result.exit_code == 2 and message in result.stderr, (message, result.stderr)
    with socket.socket() as probe:  # a loopback port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = run(*ray_args, "-o", str(tmp_path / "o"), "--ray-address", f"127.0.0.1:{port}")
    assert unreachable.exit_code == 1 and "No Ray cluster answers" in unreachable.stderr
    assert "ray start --head" in unreachable.stderr


def test_without_ray_installed_the_error_names_the_extra(tmp_path: Path) -> None:
    source = tmp_path / "posts.csv"
    posts(5).to_csv(source, index=False)
    code = (
        "import sys; sys.modules['ray'] = None\n"  # as if Ray were not installed
        "from affectlab.surfaces.cli.app import main\n"
        f"sys.argv = ['affectlab', 'analyze', {str(source)!r}, '--backend', 'ray', '-o', {str(tmp_path / 'o')!r}]\n"
        "main()"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "pip install 'affectlab[ray]'" in result.stderr


def test_an_empty_input_writes_the_header_like_the_local_backend(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = tmp_path / "empty.csv"
    source.write_text("text,group\n")
    model = ["-m", f"embedded:{tiny_model_dir}"]
    assert run(str(source), "-o", str(tmp_path / "local.parquet"), *model).exit_code == 0
    result = run(str(source), "-o", str(tmp_path / "ray"), "--backend", "ray", *model)
    assert result.exit_code == 0 and "has no rows" in result.stderr
    assert_same(tmp_path / "local.parquet", tmp_path / "ray")
