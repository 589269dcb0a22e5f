"""Policy models of a scenario: trade measures, capacity, stockpiles, markets and supply levers.

Re-exported by :mod:`supplysim.scenario.schema`, which joins them into the :data:`Policy` union.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from supplysim.scenario.distributions import (
    Country, Destinations, Element, Elements, FacilityKind, Fixed, MaybeWhen, Material,
    NonNegative, OreType, Positive, Probability, Stages, When, custom_error, seq,
)  # fmt: skip

_STRICT = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)


class _Policy(BaseModel):
    """Fields every policy has."""

    model_config = _STRICT

    type: str
    name: Annotated[str, Field(min_length=1)]


class _TradePolicy(_Policy):
    """A measure of an exporting country on some stages and elements."""

    exporter: Country
    stages: Stages = Field(None, validate_default=True)
    elements: Elements
    destinations: Destinations = "all"
    start: When
    end: MaybeWhen = None

    @model_validator(mode="after")
    def _check_end(self) -> _TradePolicy:
        _check_dates(self.start, self.end)
        return self


def _check_dates(start: date, end: date | None) -> None:
    """Refuse an ``end`` that is not after ``start``."""
    if end is not None and end <= start:
        raise custom_error(f"expected an end date after start ({start}), got {end}", ("end",))


class ExportLicensing(_TradePolicy):
    """Exports need a licence, granted with ``approval_prob`` after ``review_delay_days``."""

    type: Literal["export_licensing"]
    approval_prob: Probability  # share of applications approved [-]
    review_delay_days: NonNegative  # calendar days from application to decision [d]
    applications_per_month: Annotated[int, Field(ge=1)] = 4  # [1/month]
    # applications taken up per week by the reviewers [1/week]; null: no queue (unlimited)
    review_capacity_per_week: Annotated[int, Field(ge=1)] | None = None
    rfi_prob: Probability = Fixed(value=0.0)  # share of reviews asking for more information [-]
    rfi_delay_days: NonNegative = Fixed(value=30.0)  # applicant's time to answer a request [d]


class ContentRule(ExportLicensing):
    """Third-country exports of goods whose Chinese-origin share exceeds ``threshold_share`` need
    a licence from ``exporter`` (which must be China), decided as under export licensing.

    The scope (stages, elements, destinations) selects the trade links of every other exporter.
    """

    type: Literal["content_rule"]  # type: ignore[assignment]
    threshold_share: Annotated[float, Field(ge=0.0, le=1.0)]  # Chinese-origin share [1]

    @model_validator(mode="after")
    def _check_china(self) -> ContentRule:
        if self.exporter != "China":
            text = f"expected 'China': origin is tracked for Chinese content, got {self.exporter!r}"
            raise custom_error(text, ("exporter",))
        return self


class TechnologyRule(_Policy):
    """China withholds equipment or know-how: ``cut_share`` of the capacity that depends on it
    (world table ``tech_dependence``) is unavailable at facilities outside China."""

    type: Literal["technology_rule"]
    kinds: Annotated[tuple[FacilityKind, ...], BeforeValidator(seq), Field(min_length=1)] = (
        "separator", "metal_plant", "magnet_plant")
    countries: Destinations = "all"  # facility countries in scope (China never is)
    cut_share: Probability  # share of the dependent capacity lost [1]
    start: When
    end: MaybeWhen = None

    @model_validator(mode="after")
    def _check_end(self) -> TechnologyRule:
        _check_dates(self.start, self.end)
        return self


class ExportBan(_TradePolicy):
    """No exports of the scoped materials to the destinations."""

    type: Literal["export_ban"]


class ExportQuota(_TradePolicy):
    """Exports of the scoped materials capped at ``quota_t_per_month`` [t/month]."""

    type: Literal["export_quota"]
    quota_t_per_month: NonNegative  # [t/month]


class CapacityProject(_Policy):
    """A new facility that may be built (``fid_prob``) and then ramps up."""

    type: Literal["capacity_project"]
    country: Country
    kind: FacilityKind
    ore_type: OreType = None
    capacity_t_per_yr: Positive  # output at full capacity [t/yr]
    fid_prob: Probability  # chance of a final investment decision [-]
    announced: When  # construction time counts from here
    construction_months: Positive  # [months]
    ramp_months: NonNegative  # from first output to full capacity [months]

    @model_validator(mode="after")
    def _check_ore(self) -> CapacityProject:
        if self.kind == "mine" and self.ore_type is None:
            raise custom_error("expected an ore type: a mine needs ore_type", ("ore_type",))
        if self.kind != "mine" and self.ore_type is not None:
            raise custom_error(f"expected null: a {self.kind} has no ore_type", ("ore_type",))
        return self

    @property
    def start(self) -> date:
        """The date from which construction time counts (``announced``)."""
        return self.announced

    @property
    def end(self) -> None:
        """Capacity projects do not end."""
        return None


class StockpilePolicy(_Policy):
    """A strategic stock of ``material`` held by ``holder`` [t]."""

    type: Literal["stockpile"]
    holder: Country
    material: Material
    initial_t: NonNegative  # [t]
    target_t: NonNegative = None  # type: ignore[assignment]  # [t], default: initial_t
    release_trigger_share: Probability  # unmet share of the holder's demand [-]
    release_t_per_month: NonNegative  # [t/month]
    replenish_t_per_month: NonNegative = Fixed(value=0.0)  # [t/month]
    start: MaybeWhen = None  # default: horizon start, filled in by Scenario
    end: MaybeWhen = None

    @model_validator(mode="after")
    def _defaults(self) -> StockpilePolicy:
        if self.target_t is None:
            object.__setattr__(self, "target_t", self.initial_t)
        if self.start is not None:
            _check_dates(self.start, self.end)
        return self


class PriceFloor(_Policy):
    """A government pays a producer ``(floor - market price)+`` on the covered tonnes.

    The covered tonnes of a month are ``covered_t_per_month`` plus ``covered_share`` of the
    producer country's output of the element at ``stage`` in that month.
    """

    type: Literal["price_floor"]
    element: Element
    market: Literal["china", "ex_china"] = "ex_china"
    floor_usd_per_kg: NonNegative  # [USD/kg]
    producer: Country
    stage: Literal["oxide", "metal"] = "oxide"
    covered_t_per_month: NonNegative = Fixed(value=0.0)  # [t/month]
    covered_share: Probability = Fixed(value=0.0)  # share of the producer's output [-]
    start: When
    end: MaybeWhen = None

    @model_validator(mode="after")
    def _check(self) -> PriceFloor:
        _check_dates(self.start, self.end)
        return self


class ExportPriceCut(_Policy):
    """An exporter cuts its export prices: the ex-China index of ``elements`` falls by ``cut_share``."""

    type: Literal["export_price_cut"]
    exporter: Country
    elements: Elements
    cut_share: Probability  # share by which export prices fall [-]
    start: When
    end: MaybeWhen = None

    @model_validator(mode="after")
    def _check(self) -> ExportPriceCut:
        _check_dates(self.start, self.end)
        return self


class Tariff(_TradePolicy):
    """Importers (``destinations``) tax goods from ``exporter`` at ``rate_share`` of their value.

    Buyers shift order shares away from taxed links (see :mod:`supplysim.engines.market`).
    """

    type: Literal["tariff"]
    rate_share: NonNegative  # ad valorem rate [-]


class FriendShoring(_Policy):
    """Buyers prefer suppliers of ``bloc`` while the ex-China premium stays under ``max_premium_share``."""

    type: Literal["friend_shoring"]
    buyers: Destinations = "all"
    bloc: Literal["allied", "other", "china"] = "allied"
    stages: Stages = Field(None, validate_default=True)
    elements: Elements = ("NdPr", "Dy", "Tb")
    max_premium_share: NonNegative  # ex-China over China price, minus 1 [-]
    start: When
    end: MaybeWhen = None

    @model_validator(mode="after")
    def _check(self) -> FriendShoring:
        _check_dates(self.start, self.end)
        return self


class Offtake(_Policy):
    """A contract: ``buyer`` takes up to ``tonnes_per_month`` of ``material`` from ``seller``.

    Contracted tonnes are allocated at the seller before spot (trade) buyers, after home
    buyers under export controls; contracts of lower ``priority`` come first. Export policies of
    the seller's country still apply. ``buyer_kind`` / ``seller_kind`` narrow the sites to one
    facility kind (default: every site of the material in the country).
    """

    type: Literal["offtake"]
    buyer: Country
    seller: Country
    material: Material
    tonnes_per_month: NonNegative  # [t/month]
    # [USD/kg]; default: the 2024 ex-China price of prices.csv moved with the ex-China index
    price_usd_per_kg: NonNegative = None  # type: ignore[assignment]
    priority: Annotated[int, Field(ge=0, le=8)] = 0
    buyer_kind: FacilityKind | None = None
    seller_kind: FacilityKind | None = None
    start: When
    end: MaybeWhen = None

    @model_validator(mode="after")
    def _check_end(self) -> Offtake:
        _check_dates(self.start, self.end)
        if self.buyer == self.seller:
            raise custom_error(f"expected a seller other than the buyer, got {self.seller!r}",
                               ("seller",))
        return self


class ProjectFinance(_Policy):
    """Public money for a capacity project: a grant, a loan or a loan guarantee [USD].

    Raises the project's FID probability and shortens its construction by amounts set in the
    world parameters (``finance_*``); the budget cost is reported with the results.
    """

    type: Literal["project_finance"]
    project: Annotated[str, Field(min_length=1)]  # name of a capacity_project policy
    instrument: Literal["grant", "loan", "guarantee"]
    amount_usd: Annotated[float, Field(gt=0)]  # [USD]
    start: When  # date the money is committed

    @property
    def end(self) -> None:
        """Financing does not end."""
        return None


class StockpileSharing(_Policy):
    """Allies release their stockpiles to a member whose shortage trigger fires.

    ``pooled``: every member's stockpiles of a material are open to the others in full;
    ``bilateral``: member ``m`` opens ``shares[m]`` of its release rate to its partners.
    A member fires when its unmet share of demand exceeds ``release_trigger_share``.
    """

    type: Literal["stockpile_sharing"]
    members: Annotated[tuple[Country, ...], BeforeValidator(seq), Field(min_length=2)]
    rule: Literal["pooled", "bilateral"] = "pooled"
    shares: dict[Country, Probability] = Field(default_factory=dict)
    materials: Annotated[tuple[Material, ...], BeforeValidator(seq)] | None = None
    release_trigger_share: Probability = Fixed(value=0.05)  # [1]
    start: When
    end: MaybeWhen = None

    @model_validator(mode="after")
    def _check(self) -> StockpileSharing:
        _check_dates(self.start, self.end)
        if len(set(self.members)) != len(self.members):
            raise custom_error("expected distinct members", ("members",))
        extra = sorted(set(self.shares) - set(self.members))
        if extra:
            raise custom_error(f"expected shares of members only, got {extra[0]!r}", ("shares",))
        if self.rule == "bilateral" and set(self.shares) != set(self.members):
            raise custom_error("expected a share for every member under rule 'bilateral'",
                               ("shares",))
        return self


class RecyclingGrowth(_Policy):
    """Switches on the recycler of ``country`` and grows its collection over ``years``.

    From ``start`` the recycler's feed ramps linearly over ``years`` to its swarf share of the
    magnets made in the country plus ``collection_rate`` of the country's magnet demand (the
    end-of-life proxy), within its capacity (world ``recyclers.csv``, or ``capacity_t_per_yr``).
    """

    type: Literal["recycling_growth"]
    country: Country
    collection_rate: Probability  # end-of-life collection reached after ``years`` [1]
    years: Annotated[float, Field(gt=0, le=100)]  # ramp time [yr]
    capacity_t_per_yr: Positive = None  # type: ignore[assignment]  # [t scrap/yr]
    start: When

    @property
    def end(self) -> None:
        """Recycling does not end."""
        return None
