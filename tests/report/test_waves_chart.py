"""The report's waves section (#31 §3): the readings drawn per queue with the waves marked, from the
job's waves log; nothing for a job not run in waves."""

from __future__ import annotations

from html.parser import HTMLParser

from bulkops.report.waves import waves_section
from bulkops.state.waveslog import GateReading, WaveEvent, WavesLog


class Points(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []
        self.marks: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "circle":
            self.values.append(a["data-value"])
        if tag == "line" and "data-mark" in a:
            self.marks.append(a["data-mark"])


def test_readings_are_drawn_per_queue_with_the_waves_marked(tmp_path):
    log = WavesLog(tmp_path)
    log.write(WaveEvent(0, "start", ts="2026-12-07T10:00:00.000Z"))
    for i, waiting in enumerate((1.0, 2.0)):
        log.write(GateReading(0, i * 5.0, "q1", "Support <ES>", {"waiting": waiting, "serviceLevel": None}, ts=f"2026-12-07T10:00:1{i}.000Z"))
    log.write(WaveEvent(1, "start", ts="2026-12-07T10:00:20.000Z"))
    log.write(GateReading(1, 0.0, "q1", "Support <ES>", {"waiting": 7.0}, ("waiting<=3",), ts="2026-12-07T10:00:30.000Z"))
    log.write(WaveEvent(1, "breach", "queue 'Support <ES>': waiting 7 fails waiting<=3", ts="2026-12-07T10:00:30.000Z"))
    log.close()
    page = waves_section(tmp_path)
    parsed = Points()
    parsed.feed(page)
    assert parsed.values == ["1", "2", "7"] and parsed.marks == ["wave 1", "wave 2", "breach"]
    assert 'data-chart="waves-waiting"' in page and "serviceLevel" not in page.split("<ul>")[0]  # a metric never carried is not drawn
    assert "Support &lt;ES&gt;" in page and "<ES>" not in page


def test_a_job_not_in_waves_has_no_section(tmp_path):
    assert waves_section(tmp_path) == ""
