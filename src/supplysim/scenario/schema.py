"""The validated form of a scenario: horizon, demand growth, outages and policies.

The models are strict (no string-to-number coercion, booleans are not numbers, no NaN or
infinity) and refuse unknown keys. Names of countries, elements, stages, materials,
sectors, facility kinds and ore types are checked against the
:class:`~supplysim.model.vocabulary.Vocabulary` passed as validation context
``{"vocab": vocab}``; without one those checks are skipped.
"""

from __future__ import annotations

import calendar
import difflib
import hashlib
import json
import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated, Any, Union

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from supplysim.scenario.distributions import (
    DIST_KINDS, Mineral, Month, Number, Sector, custom_error,
    BOOL_HINT, describe, number_hint, seq, unknown_name,
)  # fmt: skip
from supplysim.scenario.policies import (
    _STRICT, CapacityProject, ContentRule, ExportBan, ExportLicensing, ExportPriceCut,
    ExportQuota, FriendShoring, Offtake, PriceFloor, ProjectFinance, RecyclingGrowth,
    StockpilePolicy, StockpileSharing, Tariff, TechnologyRule, _Policy,
)  # fmt: skip

__all__ = [
    "CapacityProject",
    "ContentRule",
    "ExportBan",
    "ExportLicensing",
    "ExportPriceCut",
    "ExportQuota",
    "FriendShoring",
    "Horizon",
    "Policy",
    "PriceFloor",
    "Scenario",
    "Offtake",
    "ProjectFinance",
    "StockpilePolicy",
    "RecyclingGrowth",
    "StockpileSharing",
    "Tariff",
    "TechnologyRule",
]

_SNAKE = re.compile(r"[a-z][a-z0-9_]*")


Policy = Annotated[
    Union[ExportLicensing, ExportBan, ExportQuota, CapacityProject, StockpilePolicy, ContentRule,
          TechnologyRule, PriceFloor, ExportPriceCut, Tariff, FriendShoring, Offtake,
          ProjectFinance, StockpileSharing, RecyclingGrowth],
    Field(discriminator="type"),
]
"""Any policy, selected by its ``type`` key."""

POLICY_KINDS: dict[str, type[_Policy]] = {
    "export_licensing": ExportLicensing,
    "export_ban": ExportBan,
    "export_quota": ExportQuota,
    "capacity_project": CapacityProject,
    "stockpile": StockpilePolicy,
    "content_rule": ContentRule,
    "technology_rule": TechnologyRule,
    "price_floor": PriceFloor,
    "export_price_cut": ExportPriceCut,
    "tariff": Tariff,
    "friend_shoring": FriendShoring,
    "offtake": Offtake,
    "project_finance": ProjectFinance,
    "stockpile_sharing": StockpileSharing,
    "recycling_growth": RecyclingGrowth,
}


def _snake(value: Any) -> Any:
    """Require a snake_case scenario name."""
    if isinstance(value, str) and _SNAKE.fullmatch(value):
        return value
    raise custom_error(f"expected a snake_case name like 'china_ban_2026', got {describe(value)}")


class Horizon(BaseModel):
    """Simulated period: ``months`` months from the first day of ``start``."""

    model_config = _STRICT

    start: Month
    months: Annotated[int, Field(ge=1, le=600)]

    @property
    def end(self) -> date:
        """First day after the horizon."""
        index = self.start.month - 1 + self.months
        return date(self.start.year + index // 12, index % 12 + 1, 1)

    @property
    def last_day(self) -> date:
        """Last simulated day."""
        return self.end - timedelta(days=1)


class Scenario(BaseModel):
    """A resolved scenario (``extends`` applied), ready for the compiler."""

    model_config = _STRICT

    name: Annotated[str, BeforeValidator(_snake)]
    description: str = ""
    lineage: tuple[str, ...] = ()
    file: str = "<string>"
    horizon: Horizon
    demand_growth: dict[Sector, Number] = Field(default_factory=dict)  # [fraction/yr]
    outages: bool = True
    demand_response: bool = False  # demand follows prices (elasticity, substitution)
    policies: Annotated[tuple[Policy, ...], BeforeValidator(seq)] = ()
    # mineral chains carried (materials.mineral); null: the world's base minerals
    minerals: Annotated[tuple[Mineral, ...], BeforeValidator(seq), Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _check_policies(self) -> Scenario:
        seen: set[str] = set()
        policies = list(self.policies)
        for index, policy in enumerate(policies):
            at = ("policies", index)
            if policy.name in seen:
                text = f"expected unique policy names, got {policy.name!r} twice"
                raise custom_error(text, at + ("name",))
            seen.add(policy.name)
            if isinstance(policy, StockpilePolicy) and policy.start is None:
                policy = policies[index] = policy.model_copy(update={"start": self.horizon.start})
                if policy.end is not None and policy.end <= policy.start:
                    text = f"expected an end date after the horizon start {policy.start}"
                    raise custom_error(f"{text}, got {policy.end}", at + ("end",))
            if policy.start >= self.horizon.end:
                key = "announced" if isinstance(policy, CapacityProject) else "start"
                text = f"expected a {key} date within the horizon (by {self.horizon.last_day})"
                raise custom_error(f"{text}, got {policy.start}", at + (key,))
        recycled: set[str] = set()
        for index, policy in enumerate(policies):
            if isinstance(policy, RecyclingGrowth):
                if policy.country in recycled:
                    text = (f"expected one recycling_growth per country, got "
                            f"{policy.country!r} twice")
                    raise custom_error(text, ("policies", index, "country"))
                recycled.add(policy.country)
        projects = {p.name for p in policies if isinstance(p, CapacityProject)}
        for index, policy in enumerate(policies):
            if isinstance(policy, ProjectFinance) and policy.project not in projects:
                text = unknown_name("capacity project", policy.project, sorted(projects))
                raise custom_error(text, ("policies", index, "project"))
        object.__setattr__(self, "policies", tuple(policies))
        return self

    def month_index(self, d: date) -> float:
        """Months since the horizon start [months], fractional within a month.

        Parameters
        ----------
        d : datetime.date
            The date.

        Returns
        -------
        float
            E.g. 3.1 for 2025-04-04 with a horizon starting 2025-01.
        """
        start = self.horizon.start
        whole = (d.year - start.year) * 12 + d.month - start.month
        return whole + (d.day - 1) / calendar.monthrange(d.year, d.month)[1]

    @property
    def months(self) -> list[date]:
        """First day of each simulated month."""
        start, out = self.horizon.start, []
        for index in range(start.month - 1, start.month - 1 + self.horizon.months):
            out.append(date(start.year + index // 12, index % 12 + 1, 1))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as plain data that loads back to an equal scenario."""
        return {
            "name": self.name,
            "description": self.description,
            "horizon": {
                "start": self.horizon.start.strftime("%Y-%m"),
                "months": self.horizon.months,
            },
            "demand_growth": {k: _plain(v) for k, v in sorted(self.demand_growth.items())},
            "outages": self.outages,
            "policies": [_plain_policy(p) for p in self.policies],
        } | ({} if self.minerals is None else {"minerals": list(self.minerals)}) | (
            {"demand_response": True} if self.demand_response else {})

    @property
    def hash(self) -> str:
        """First 16 hex digits of the sha256 of the canonical JSON of :meth:`to_dict`."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _plain(value: Any) -> Any:
    """Convert a field value to plain data."""
    if hasattr(value, "to_data"):
        return value.to_data()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items())}
    return value


def _plain_policy(policy: _Policy) -> dict[str, Any]:
    """Convert a policy to plain data, in field order."""
    return {key: _plain(getattr(policy, key)) for key in type(policy).model_fields}


def unknown_key(key: str, allowed: Sequence[str]) -> str:
    """Message for a key that is not allowed, with the closest allowed key."""
    text = f"unknown key {key!r}"
    close = difflib.get_close_matches(key, list(allowed), n=1)
    if close:
        return text + f"; did you mean {close[0]!r}?"
    return text + ("; allowed: " + ", ".join(allowed) if allowed else "")


def explain(err: dict[str, Any], data: dict[str, Any]) -> tuple[tuple[Any, ...], str, bool]:
    """Turn one pydantic error on scenario ``data`` into a path, a message and a flag.

    Parameters
    ----------
    err : dict
        An entry of ``ValidationError.errors()``.
    data : dict
        The data that was validated.

    Returns
    -------
    path : tuple
        Path of the offending value in ``data`` (union tags left out).
    expected : str
        What was expected and what was found.
    at_key : bool
        Whether the error is about the key rather than its value.
    """
    kind, value, ctx, loc = err["type"], err.get("input"), err.get("ctx") or {}, err["loc"]
    path, node = data_path(loc, data)
    at_key = "[key]" in loc
    if kind == "scenario":
        return path + tuple(ctx.get("at", ())), ctx["msg"], at_key
    if kind in ("missing", "extra_forbidden"):
        key = str(loc[-1]) if loc else ""
        path = path if path and path[-1] == key else path + (key,)
        if kind == "missing":
            return path, f"expected a value for the required key {key!r}", False
        return path, unknown_key(key, _allowed(data, path[:-1])), True
    if kind.startswith("union_tag"):
        return _explain_tag(kind, str(ctx.get("discriminator", "'type'")).strip("'"), path, node)
    text = _TYPE_TEXT.get(kind)
    if text is None:
        text = err["msg"].lower().replace("input should be ", "").strip()
    else:
        text = text.format(**{k: v for k, v in ctx.items() if isinstance(v, (int, float, str))})
    if kind in ("int_type", "float_type"):
        hint = number_hint(value)
    else:
        hint = BOOL_HINT if isinstance(value, bool) and kind == "string_type" else ""
    return path, f"expected {text}, got {describe(value)}{hint}", at_key


def _explain_tag(kind: str, key: str, path: tuple[Any, ...], node: Any) -> tuple[Any, str, bool]:
    """Explain a missing or unknown ``type`` of a policy or ``dist`` of a distribution."""
    label, kinds = ("policy type", POLICY_KINDS) if key == "type" else ("distribution", DIST_KINDS)
    tag = node.get(key) if isinstance(node, dict) else None
    if kind == "union_tag_not_found" or not isinstance(tag, str):
        return path + (key,), f"expected a {key!r} naming the {label}, got {describe(tag)}", False
    return path + (key,), unknown_name(label, tag, list(kinds)), False


_TYPE_TEXT = {
    "int_type": "an integer",
    "float_type": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "string_type": "a string",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "tuple_type": "a list",
    "too_short": "at least {min_length} item(s)",
    "string_too_short": "a non-empty string",
    "greater_than_equal": "a value >= {ge}",
    "less_than_equal": "a value <= {le}",
    "literal_error": "{expected}",
}


def data_path(loc: tuple[Any, ...], data: Any) -> tuple[tuple[Any, ...], Any]:
    """Follow a pydantic error location through the data, skipping union tags."""
    path: list[Any] = []
    for part in loc:
        if isinstance(data, dict) and isinstance(part, str) and part in data:
            path.append(part)
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            path.append(part)
            data = data[part]
    return tuple(path), data


def _allowed(data: Any, path: tuple[Any, ...]) -> list[str]:
    """Keys allowed in the mapping at ``path`` of the merged data."""
    _, node = data_path(path, data)
    if path == ("horizon",):
        return list(Horizon.model_fields)
    if len(path) == 2 and path[0] == "policies" and isinstance(node, dict):
        cls = POLICY_KINDS.get(node.get("type"))
    else:
        cls = DIST_KINDS.get(node.get("dist")) if isinstance(node, dict) else None
    return [f.alias or k for k, f in cls.model_fields.items()] if cls else []
