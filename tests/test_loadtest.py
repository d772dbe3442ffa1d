"""The load test against a running app: 8 visitors x 5 tours, a burst over the queue, visitors who hang up."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from vlmtok.bench import loadtest as lt

ROOT = Path(__file__).resolve().parents[1]
QUEUE = 8                   # holds the 8 visitors; a burst of 24 does not fit


def test_pictures_are_distinct_and_named(tmp_path):
    pics = [lt.make_picture(i, tmp_path) for i in range(lt.MAX_CLIENTS)]
    assert len({(p.colour, p.fmt) for p in pics}) == lt.MAX_CLIENTS
    assert len({lt.colour_family(p.colour) for p in pics[: len(lt.COLOURS)]}) == len(lt.COLOURS)
    assert Image.open(pics[0].path).getpixel((0, 0)) == lt.COLOURS[0][1]
    with pytest.raises(ValueError, match="at most"):
        lt.make_picture(lt.MAX_CLIENTS, tmp_path)


def test_a_leaked_answer_is_caught(tmp_path):
    """An answer describing another visitor's picture is counted as mismatched, not completed."""
    mine, theirs = lt.make_picture(0, tmp_path), lt.make_picture(1, tmp_path)
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF" + b"\0" * 100)
    text = "Offline description: colours and layout only. This landscape-format picture is almost entirely {}. x"
    assert lt._classify(text.format(mine.colour), str(audio), mine)[0] == "ok"
    assert lt._classify(text.format(theirs.colour), str(audio), mine)[0] == "mismatched"
    assert lt._classify(text.format("dark " + mine.colour), str(audio), mine)[0] == "ok"     # a shade is fine
    assert lt._classify(text.format(mine.colour), None, mine)[0] == "failed"                # no audio
    assert lt._classify("The guide is busy right now. Please try again.", None, mine)[0] == "busy"


def test_a_vietnamese_tour_is_judged_in_vietnamese(tmp_path):
    """``loadtest --lang vi``: the offline narrator's own Vietnamese description of each picture counts as ok (every
    healthy tour was called failed), another visitor's as mismatched, the Vietnamese "busy" as busy."""
    from vlmtok.images import load_image
    from vlmtok.narrate import NarrationRequest
    from vlmtok.narrate.offline import OfflineNarrator

    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF" + b"\0" * 100)
    pictures = [lt.make_picture(i, tmp_path) for i in (0, 1, 9, 13, 25)]   # colours and formats apart
    narrator = OfflineNarrator()
    for mine in pictures:
        text = narrator.describe(load_image(mine.path), NarrationRequest(lang="vi", tier="short")).text
        assert lt._classify(text, str(audio), mine, "vi")[0] == "ok", (mine, text)
        others = [p for p in pictures if lt.colour_family(p.colour) != lt.colour_family(mine.colour)]
        assert lt._classify(text, str(audio), others[0], "vi")[0] == "mismatched", (others[0], text)
    busy = "Hiện có quá nhiều khách đang chờ. Xin hãy thử lại sau giây lát."
    assert lt._classify(busy, None, pictures[0], "vi")[0] == "busy"


def test_percentile():
    assert lt.percentile([], 50) is None
    assert lt.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert lt.percentile(list(map(float, range(101))), 95) == 95.0


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    pytest.importorskip("gradio_client")
    from vlmtok.bench.app import running_app

    root = tmp_path_factory.mktemp("load")
    env = {"VLMTOK_CACHE": str(root / "cache"), "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1",
           "VLMTOK_QUEUE_SIZE": str(QUEUE), "VLMTOK_CONCURRENCY": "2"}
    with running_app(env, root / "app.log") as (url, _startup_s, proc):
        yield url
        assert proc.poll() is None, "the app died under load"


@pytest.mark.slow
def test_eight_visitors_five_tours_each(app_url):
    report = lt.run_load(app_url, clients=8, runs=5, timeout_s=60)
    assert report.mismatched == 0, report.problems          # nobody got another visitor's description
    assert report.completed == 40, report.problems
    assert report.p50_s <= report.p95_s <= report.max_s < 60
    assert report.passed


def test_burst_over_the_queue_is_busy_not_broken(app_url):
    burst = lt.overflow(app_url, burst=3 * QUEUE, timeout_s=60)
    assert burst["other"] == 0, burst                       # each request completed or was turned away
    assert burst["completed"] >= 2 and burst["busy"] >= 1, burst
    assert burst["completed"] + burst["busy"] == burst["burst"]
    assert burst["busy_max_s"] < 5 and burst["busy_p50_s"] < 2     # turned away at once, not after a wait
    assert burst["busy_messages"] == ["Too many visitors are waiting right now. Please try again in a moment."]


def test_visitors_who_leave_free_their_place(app_url):
    out = lt.disconnects(app_url, leavers=2 * QUEUE, after=QUEUE - 2, timeout_s=60)
    assert out["leavers_joined"] >= 1 and out["drained"], out
    assert out["after_busy"] == 0 and out["after_ok"] == out["after"], out


def test_command_line_writes_json(app_url, tmp_path):
    out = tmp_path / "load.json"
    proc = subprocess.run([sys.executable, "-m", "vlmtok", "loadtest", "--url", app_url, "--clients", "2",
                           "--runs", "1", "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["completed"] == 2 and report["held"] and report["p95_s"] is not None
