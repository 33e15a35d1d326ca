"""The micro-batcher coalesces concurrent requests into engine calls and hands each its own records."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

import affectlab
from affectlab.core.records import Affect
from affectlab.surfaces.service.batcher import MicroBatcher
from conftest import metric


def test_concurrent_requests_share_engine_calls_and_keep_their_own_records(  # type: ignore[no-untyped-def]
    serve_with, tiny_model_dir: Path
) -> None:
    texts = [f"i love this {w} day" for w in ("great", "awful", "sad", "happy", "terrible")] * 8
    with serve_with(max_wait_ms=50.0, max_batch=64) as c:

        async def burst() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=str(c.base_url), timeout=30) as ac:
                return await asyncio.gather(
                    *(ac.post("/v1/analyze", json={"text": t, "id": f"r{i}"}) for i, t in enumerate(texts))
                )

        responses = asyncio.run(burst())
        metrics = c.get("/metrics").text
    assert all(r.status_code == 200 for r in responses)
    records = [r.json() for r in responses]
    assert [r["id"] for r in records] == [f"r{i}" for i in range(len(texts))]
    alone = affectlab.Analyzer(f"embedded:{tiny_model_dir}").analyze(texts)
    for got, want in zip(records, alone):
        assert got["emotions"] == pytest.approx(want.to_dict()["emotions"], abs=1e-5)
    calls, scored = metric(metrics, "affectlab_batch_size_count"), metric(metrics, "affectlab_batch_size_sum")
    assert scored == len(texts) and calls < len(texts) / 4  # 40 requests in a handful of engine calls
    assert metric(metrics, "affectlab_texts_scored_total") == len(texts)
    assert 'affectlab_requests_total{method="POST",route="/v1/analyze",status="200"} 40.0' in metrics
    assert "affectlab_request_duration_seconds_bucket" in metrics


def _record(text: str) -> Affect:
    return Affect(id=None, taxonomy="t", emotions={"x": float(len(text))})


def test_batches_respect_keys_sizes_and_failures() -> None:
    calls: list[tuple[object, list[str]]] = []

    def score(key: object, texts: list[str], ids: list[str | None]) -> list[Affect]:
        calls.append((key, texts))
        if key == "broken":
            raise RuntimeError("engine down")
        return [_record(t) for t in texts]

    async def scenario() -> list[object]:
        batcher = MicroBatcher(score, max_batch=4, max_wait_s=0.05)
        batcher.start()
        jobs = [
            batcher.submit("a", ["x"], [None]),
            batcher.submit("b", ["yy"], [None]),
            batcher.submit("a", ["zzz", "z"], [None, None]),
            batcher.submit("a", ["1", "2", "3", "4", "5", "6"], [None] * 6),  # larger than max_batch: alone
            batcher.submit("broken", ["q"], [None]),
        ]
        results = await asyncio.gather(*jobs, return_exceptions=True)
        await batcher.stop()
        return results

    results = asyncio.run(scenario())
    assert [r.emotions["x"] for r in results[2]] == [3.0, 1.0]  # type: ignore[union-attr]
    assert len(results[3]) == 6 and isinstance(results[4], RuntimeError)  # type: ignore[arg-type]
    assert ("a", ["x", "zzz", "z"]) in calls and ("b", ["yy"]) in calls
    assert ("a", ["1", "2", "3", "4", "5", "6"]) in calls and all(len(t) <= 4 for k, t in calls if len(t) != 6)
