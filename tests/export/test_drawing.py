"""Charts are drawn one at a time in the process (matplotlib's fonts are shared: two threads drawing at
once corrupted the heap), and charts drawn from several threads come out whole."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from qsi_desktop.export.charts import bar_chart
from qsi_desktop.export.drawing import one_at_a_time


def test_functions_holding_the_drawing_lock_never_overlap() -> None:
    inside, most = [0], [0]
    guard = threading.Lock()

    @one_at_a_time
    def draw(n: int) -> int:
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.002)
        with guard:
            inside[0] -= 1
        return n

    @one_at_a_time
    def outer(n: int) -> int:
        return draw(n)  # re-entrant: a chart function may call another

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sorted(pool.map(outer, range(40))) == list(range(40))
    assert most[0] == 1


def test_charts_drawn_from_several_threads_are_whole(tmp_path) -> None:
    def chart(n: int) -> tuple[int, int]:
        figure = bar_chart(
            [f"Room {i}" for i in range(5)],
            [float(i + n) for i in range(5)],
            title=f"Chart {n}",
            value_label="Pass rate (%)",
            caption=f"Chart {n}",
            alt_text_intro="Pass rate by room",
        )
        path = tmp_path / f"{n}.png"
        path.write_bytes(figure.png)
        with Image.open(path) as image:
            image.load()
            return image.size

    with ThreadPoolExecutor(max_workers=4) as pool:
        sizes = list(pool.map(chart, range(8)))
    assert len(set(sizes)) == 1 and sizes[0][0] > 500
