"""Server-drawn SVG charts: geometry inside the viewBox, values proportional, labels thinned on long
periods, and markup that is valid XML with a title and a description."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from flask import render_template_string

from app.evaluation import charts

SVG = "{http://www.w3.org/2000/svg}"


def _months(n: int, value=lambda i: i):
    return [(f"mois {i + 1}", f"m{i + 1}", value(i)) for i in range(n)]


@pytest.mark.parametrize(
    ("value", "top", "step"),
    [
        (0, 1, 1),
        (1, 1, 1),
        (3, 3, 1),
        (7, 8, 2),
        (12, 15, 5),
        (42, 50, 10),
        (110, 125, 25),
        (120, 125, 25),
        (999, 1000, 200),
    ],
)
def test_nice_ceiling(value, top, step):
    assert charts.nice_ceiling(value) == (top, step)


def test_nice_ceiling_of_decimals():
    assert charts.nice_ceiling(2.5, integers=False) == (2.5, 0.5)
    assert charts.nice_ceiling(Decimal("0.3"), integers=False) == pytest.approx((0.3, 0.1))


def test_vertical_bars_are_proportional_and_inside_the_viewbox():
    chart = charts.vertical_bars("c", _months(12, lambda i: i * 10), title="T", description="D")
    assert chart.kind == "vertical" and len(chart.bars) == 12
    tallest = chart.bars[-1]
    half = chart.bars[5]  # 50 on a scale whose top is 125 (nice ceiling of 110)
    assert tallest.height > half.height > 0
    assert half.height / tallest.height == pytest.approx(50 / 110, rel=0.01)
    for bar in chart.bars:
        assert bar.x >= 0 and bar.x + bar.width <= chart.width
        assert bar.y >= 0 and bar.y + bar.height <= chart.height
        assert bar.label_y <= chart.height
    # On a phone's width, every other month is labelled; each bar shows its value (12 bars).
    assert [bool(bar.axis_label) for bar in chart.bars] == [True, False] * 6
    assert all(bar.show_value for bar in chart.bars)
    # Grid ticks go from 0 to the top of the scale.
    assert chart.ticks[0].value == 0 and chart.ticks[-1].value >= 110


def test_long_periods_thin_out_labels_and_leave_values_to_the_table():
    chart = charts.vertical_bars("c", _months(48), title="T", description="D")
    labelled = [bar for bar in chart.bars if bar.axis_label]
    assert 6 <= len(labelled) < 48
    assert not any(bar.show_value for bar in chart.bars)


def test_empty_charts_do_not_divide_by_zero():
    chart = charts.vertical_bars("c", _months(3, lambda i: 0), title="T", description="D")
    assert chart.is_empty and all(bar.height == 0 for bar in chart.bars)
    flat = charts.horizontal_bars("h", [("a", 0), ("b", 0)], title="T", description="D")
    assert all(bar.width == 0 for bar in flat.bars)
    assert charts.vertical_bars("c", [], title="T", description="D").bars == []


def test_horizontal_bars_fill_the_width_for_the_largest_value():
    chart = charts.horizontal_bars("h", [("Présence", 40), ("Décision", 10)], title="T", description="D")
    first, second = chart.bars
    assert first.width == pytest.approx(4 * second.width)
    assert first.value_x + 30 <= chart.width  # the value text fits on the right
    assert second.y > first.y and chart.height >= second.y + second.height


def test_rendered_svg_is_valid_xml_with_title_desc_and_text_labels(app):
    chart = charts.vertical_bars(
        "chart-test", _months(12, lambda i: i), title="Personnes & mois <test>", description="Une barre par mois."
    )
    with app.test_request_context():
        html = render_template_string(
            '{% from "evaluation/_charts.html" import chart_with_table %}'
            '{{ chart_with_table(chart, "Mois", "Personnes") }}',
            chart=chart,
        )
    start, end = html.index("<svg"), html.index("</svg>") + len("</svg>")
    root = ET.fromstring(html[start:end])  # noqa: S314  (our own markup)
    assert root.get("role") == "img"
    assert root.get("viewBox") == f"0 0 {chart.width} {chart.height}" and root.get("width") == "100%"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Personnes & mois <test>" and desc.text == "Une barre par mois."
    assert root.get("aria-labelledby") == title.get("id") and root.get("aria-describedby") == desc.get("id")
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "m1" in labels and "11" in labels  # axis labels and values are text, not colour
    # The same data as a table right after the chart.
    table = html[end:]
    assert "<table" in table and "<caption>Personnes &amp; mois &lt;test&gt;</caption>" in table
    assert table.count('<th scope="row">') == 12
