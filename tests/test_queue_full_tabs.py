"""A full queue outside the Tour: Compare, How it works and the pack photo say so in the visitor's language, in the
tab's status line, before their model step would join the queue; the page's load never joins it."""
from __future__ import annotations

import pytest

from vlmtok.app.tour import QueueLoad


@pytest.fixture(scope="module")
def page():
    from vlmtok.app import page as module

    return module


@pytest.mark.parametrize("lang, words", [("en", "busy right now"), ("vi", "50 giây")])
def test_a_full_queue_is_said_before_a_model_step_joins_it(page, monkeypatch, lang, words):
    full = QueueLoad(waiting=4, max_size=4, avg_s=10.0, slots=1)
    monkeypatch.setattr(page, "queue_load", lambda: full)
    status, go = page.room(lang)
    said, _full = page.tour_ui.queue_message(full, lang)
    assert go is False and said in status and words in status and f'lang="{lang}"' in status, status
    monkeypatch.setattr(page, "queue_load", lambda: QueueLoad(waiting=0, max_size=4))
    _status, go = page.room(lang)
    assert go is True


def test_every_model_step_outside_the_tour_asks_for_room_first_and_the_page_load_is_not_queued(page):
    config = page.demo.get_config_file()
    deps = {d["id"]: d for d in config["dependencies"]}
    fns = {d["id"]: page.demo.fns[d["id"]].fn for d in config["dependencies"]}
    steps = [i for i, fn in fns.items() if fn in (page.compare, page.how) or getattr(fn, "__name__", "") == "matched"]
    assert len(steps) == 3, steps
    for step_id in steps:
        chain, cursor = [], deps[step_id]
        while cursor.get("trigger_after") is not None:                    # back along .success() to the click
            cursor = deps[cursor["trigger_after"]]
            chain.append(fns[cursor["id"]])
        assert page.room in chain and page.gate in chain, (fns[step_id], chain)
    loads = [d for d in deps.values() if any(tr[1] == "load" for tr in d["targets"])]
    assert loads and all(d["queue"] is False for d in loads), [(d.get("api_name"), d["queue"]) for d in loads]
