"""The soak's robot musician without a window: where its random clicks may land. It must know what plays, since
its note audits compare what arrives with the groove the session file holds."""

from window_robot import Robot

# the window's control rectangles (x, y, w, h) the random click reads, as tests/window_layout.py measures them
LAYOUT = {"window": [0, 0, 1280, 800], "morph_live": [479, 697, 194, 17], "sync": [510, 742, 181, 30],
          "candidate_strip": [10, 86, 1260, 40], "tab_morph": [10, 581, 73, 26], "pad_on": [137, 613, 71, 30],
          "pad_record": [137, 649, 71, 30], "pad_path": [214, 649, 121, 30]}


class ClickLog:
    """Stands in for the app: keeps where each click went."""

    window = 1

    def __init__(self):
        self.clicks: list[tuple[int, int]] = []

    def xdo(self, *args: str) -> str:
        at = args.index("--window") + 2
        self.clicks.append((int(args[at]), int(args[at + 1])))
        return ""


def test_random_clicks_never_start_a_candidate():
    """A click on a candidate plays it in place of the groove and the session file does not say so: a soak audited
    a candidate a random click had started 3 s before as lost notes."""
    app = ClickLog()
    robot = Robot(app, tap=None, layout=LAYOUT, seed=8)
    for _ in range(3000):
        robot.click_anywhere()
    x, y, w, h = LAYOUT["candidate_strip"]
    on_candidates = [(px, py) for px, py in app.clicks if x <= px <= x + w and y <= py <= y + h]
    assert len(app.clicks) == 3000 and on_candidates == []
