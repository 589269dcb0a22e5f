"""Market and supply-lever views of :class:`~supplysim.results.Results`: prices, policy money,
contracts, recycling, finance and origin shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import xarray as xr

from supplysim.results import metrics


class MarketViews:
    """Tables and plots of markets, supply levers and origin, mixed into ``Results``.

    Reads the Dataset ``self.ds`` of the class it is mixed into.
    """

    ds: xr.Dataset

    def _stats_table(
        self,
        var: str,
        order: tuple[str, ...],
        names: Sequence[str],
        quantiles: Sequence[float],
        rename: Mapping[str, str] | None = None,
        sized: bool = True,
    ) -> pd.DataFrame:
        """Path statistics of ``ds[var]`` by ``order`` as a table of columns ``names``.

        Empty when ``var`` is missing, or (``sized``) when its second dimension has length 0.
        """
        da = self.ds.get(var)
        if da is None or (sized and da.sizes.get(order[1], 0) == 0):
            return metrics.empty_table(names)
        df = metrics.tidy(metrics.path_stats(da, quantiles), order)
        return df.rename(columns=dict(rename or {}))[list(names)]

    def origin(self, quantiles: Sequence[float] = (0.05, 0.95)) -> pd.DataFrame:
        """Chinese-origin share of the supply each region draws on, per month and material.

        The share is that of the regional stock demand is served from, after the month's
        arrivals: goods mixed by mass, lines in China making Chinese-origin goods, other lines
        passing on the mass-weighted share of their inputs.

        Parameters
        ----------
        quantiles : sequence of float
            Quantiles across paths [1].

        Returns
        -------
        pandas.DataFrame
            ``month``, ``region``, ``material``, ``mean`` and quantiles (``p05``, ``p95``) [1];
            rows of a region without demand of the material are dropped.
        """
        if "origin_share" not in self.ds.data_vars:
            raise ValueError("results Dataset has no origin_share variable")
        share = self.ds["origin_share"]
        cols = metrics.path_stats(share.fillna(0.0), quantiles)
        keep = share.notnull().all(("path", "month"))
        df = metrics.tidy(cols, ("month", "region", "material"), keep=keep)
        df = df[["month", "region", "material", *cols]]
        df.attrs["units"] = {c: "1" for c in cols}
        return df

    # -- markets ---------------------------------------------------------------------------
    def prices(self, quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Oxide price indices at month end per market and element, across paths.

        Parameters
        ----------
        quantiles : sequence of float
            Quantiles across paths [1].

        Returns
        -------
        pandas.DataFrame
            ``month``, ``market`` (``china``, ``ex_china``), ``element``, ``mean`` and quantiles
            (``p05``, ``p50``, ``p95``) [USD/kg]. Empty when the results hold no prices.
        """
        qnames = metrics.quantile_names(quantiles)
        names = ["month", "market", "element", "mean", *qnames]
        df = self._stats_table("price_usd_per_kg", ("month", "market", "element"), names,
                               quantiles, sized=False)
        df.attrs["units"] = {c: "USD/kg" for c in ("mean", *qnames)}
        return df

    def payments(self, quantiles: Sequence[float] = (0.05, 0.95)) -> pd.DataFrame:
        """Price floor payments per month and policy, across paths.

        Parameters
        ----------
        quantiles : sequence of float
            Quantiles across paths [1].

        Returns
        -------
        pandas.DataFrame
            ``month``, ``policy``, ``mean`` and quantiles (``p05``, ``p95``) [USD] paid in the
            month. Empty when the scenario has no price floor.
        """
        return self._policy_money("payment_usd", "floor", quantiles)

    def tariff_revenue(self, quantiles: Sequence[float] = (0.05, 0.95)) -> pd.DataFrame:
        """Tariff revenue per month and policy, across paths.

        Shipments on a taxed link are valued at the ex-China index of their rare-earth content.

        Parameters
        ----------
        quantiles : sequence of float
            Quantiles across paths [1].

        Returns
        -------
        pandas.DataFrame
            ``month``, ``policy``, ``mean`` and quantiles [USD] collected in the month. Empty
            when the scenario has no tariff.
        """
        return self._policy_money("tariff_usd", "tariff", quantiles)

    def _policy_money(self, var: str, dim: str, quantiles: Sequence[float]) -> pd.DataFrame:
        """Monthly money of each policy along ``dim`` of ``var``: path statistics [USD]."""
        qnames = metrics.quantile_names(quantiles)
        names = ["month", "policy", "mean", *qnames]
        df = self._stats_table(var, ("month", dim), names, quantiles, rename={dim: "policy"})
        df.attrs["units"] = {c: "USD" for c in ("mean", *qnames)}
        return df

    # -- supply levers ---------------------------------------------------------------------
    def contracts(self, quantiles: Sequence[float] = (0.05, 0.95)) -> pd.DataFrame:
        """Tonnes delivered under each offtake contract per month and their value.

        Delivered means shipped by the seller in the month (it arrives after the route's lead
        time). The value uses the contract price: the policy's ``price_usd_per_kg``, else the
        world's 2024 ex-China price moved with the ex-China index of the element, path by path.

        Parameters
        ----------
        quantiles : sequence of float
            Quantiles across paths [1].

        Returns
        -------
        pandas.DataFrame
            ``month``, ``contract``, ``buyer``, ``seller``, ``material``, ``price_usd_per_kg``
            (mean over paths), ``mean`` and quantiles [t/month], ``value_usd_mean``
            [USD/month]. Empty when the scenario has no contracts.
        """
        qnames = metrics.quantile_names(quantiles)
        names = ["month", "contract", "buyer", "seller", "material", "price_usd_per_kg", "mean",
                 *qnames, "value_usd_mean"]
        da = self.ds.get("contract_t")
        if da is None or da.sizes.get("contract", 0) == 0:
            df = metrics.empty_table(names)
        else:
            price = self.ds["contract_usd_per_kg"]
            cols = metrics.path_stats(da, quantiles)
            cols["price_usd_per_kg"] = price.mean("path")
            cols["value_usd_mean"] = (da.astype(float) * price * 1000.0).mean("path")
            df = metrics.tidy(cols, ("month", "contract")).rename(columns={
                "contract_buyer": "buyer", "contract_seller": "seller",
                "contract_material": "material"})[names]
        df.attrs["units"] = {c: "t/month" for c in ("mean", *qnames)} | {
            "price_usd_per_kg": "USD/kg", "value_usd_mean": "USD/month"}
        return df

    def recycling(self, quantiles: Sequence[float] = (0.05, 0.95)) -> pd.DataFrame:
        """Metal recovered from magnet scrap per month, by recycler and material.

        Returns
        -------
        pandas.DataFrame
            ``month``, ``recycler``, ``country``, ``material``, ``mean`` and quantiles
            [t/month]. Empty when the scenario switches no recycling on.
        """
        qnames = metrics.quantile_names(quantiles)
        names = ["month", "recycler", "country", "material", "mean", *qnames]
        df = self._stats_table("recycled_t", ("month", "recycled"), names, quantiles, rename={
            "recycler_country": "country", "recycled_material": "material"})
        df.attrs["units"] = {c: "t/month" for c in ("mean", *qnames)}
        return df

    def finance(self) -> pd.DataFrame:
        """Financing instruments on capacity projects and their cost to the budget.

        Returns
        -------
        pandas.DataFrame
            ``finance`` (policy name), ``project``, ``instrument``, ``month`` (commitment),
            ``amount_usd`` and ``cost_usd`` [USD]. Empty when the scenario has none.
        """
        names = ["finance", "project", "instrument", "month", "amount_usd", "cost_usd"]
        da = self.ds.get("finance_cost_usd")
        if da is None or da.sizes.get("finance", 0) == 0:
            df = metrics.empty_table(names)
        else:
            df = pd.DataFrame({"finance": da["finance"].values.astype(str),
                               "project": da["finance_project"].values.astype(str),
                               "instrument": da["finance_instrument"].values.astype(str),
                               "month": pd.DatetimeIndex(da["finance_month"].values),
                               "amount_usd": da["finance_amount_usd"].values.astype(float),
                               "cost_usd": da.values.astype(float)})
        df.attrs["units"] = {"amount_usd": "USD", "cost_usd": "USD"}
        return df

    # -- plots -----------------------------------------------------------------------------
    def plot_prices(self, element: str | None = None, ax: Any = None) -> tuple[Any, Any]:
        """Fan chart of the oxide price indices of both markets [USD/kg].

        See :func:`supplysim.results.plot.prices`.
        """
        from supplysim.results import plot

        return plot.prices(self, element, ax=ax)
