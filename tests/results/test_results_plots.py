"""Charts return (fig, ax) with a title, a y label in tonnes and a legend."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

pytestmark = pytest.mark.usefixtures("close_figures")


def test_plot_shortage_default(results):
    fig, ax = results.plot_shortage()
    assert ax.figure is fig
    assert "synthetic_test" in ax.get_title()
    assert "t" in ax.get_ylabel() and "[t/month]" in ax.get_ylabel()
    assert ax.get_legend() is not None
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["5-95 %", "25-75 %", "median"]


def test_plot_shortage_selection_median(results):
    fig, ax = results.plot_shortage(region="Japan", material="magnet_hre", sector="ev_motors")
    title = ax.get_title()
    assert "Japan" in title and "magnet_hre" in title and "ev_motors" in title
    median = ax.get_lines()[0].get_ydata()
    assert list(median) == pytest.approx([0.0, 25.0, 50.0])


def test_plot_shortage_share(results):
    fig, ax = results.plot_shortage(region="Japan", material="magnet_hre", share=True)
    assert "%" in ax.get_ylabel()
    assert list(ax.get_lines()[0].get_ydata()) == pytest.approx([0.0, 25.0, 50.0])


def test_plot_shortage_on_given_axes(results):
    fig = Figure()
    ax = fig.add_subplot()
    got_fig, got_ax = results.plot_shortage(region="United States", ax=ax)
    assert got_fig is fig and got_ax is ax


def test_plot_shortage_unknown_region(results):
    with pytest.raises(ValueError, match="unknown region"):
        results.plot_shortage(region="Atlantis")


def test_plot_supply_by_origin(results):
    fig, ax = results.plot_supply_by_origin("Japan", "magnet_hre")
    assert "Japan" in ax.get_title() and "magnet_hre" in ax.get_title()
    assert "t" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["China", "Vietnam"]  # largest first


def test_plot_supply_by_origin_material_list(results):
    fig, ax = results.plot_supply_by_origin("Japan", ["magnet_hre", "magnet_std"])
    assert "magnet_std" in ax.get_title()
    with pytest.raises(ValueError, match="no flows"):
        results.plot_supply_by_origin("Atlantis", "magnet_hre")
