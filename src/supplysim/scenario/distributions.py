"""Field types of scenario files: uncertain numbers, names of the world, dates, lists.

Every number field of a scenario accepts a plain number or a mapping such as
``{dist: beta, a: 6, b: 4}``. After validation the field always holds a
:data:`Distribution`; a plain number becomes :class:`Fixed`. Values are sampled per
Monte Carlo path later, through :meth:`ppf` on uniform variates. Names (countries,
elements, ...) are checked against the :class:`~supplysim.model.vocabulary.Vocabulary`
given as validation context ``{"vocab": vocab}``; without one those checks are skipped.
"""

from __future__ import annotations

import difflib
import math
import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, Union

import numpy as np
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Discriminator, Field
from pydantic import Tag, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError
from scipy import stats

from supplysim.model.vocabulary import Vocabulary

__all__ = [
    "Beta", "Distribution", "Fixed", "LogNormal", "NonNegative", "Normal", "Number", "Positive",
    "Probability", "Triangular", "Uniform", "custom_error", "describe", "number_hint", "seq",
    "unknown_name", "Country", "Element", "Elements", "Stage", "Stages", "Material", "Sector",
    "FacilityKind", "OreType", "When", "MaybeWhen", "Month", "Destinations", "BOOL_HINT",
]  # fmt: skip

_STRICT = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)
BOOL_HINT = "; YAML reads NO/yes/on/off as booleans; quote it"
_DATE = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")


def custom_error(text: str, at: tuple[str | int, ...] = ()) -> PydanticCustomError:
    """Return a validation error whose message is ``text``.

    Parameters
    ----------
    text : str
        The ``expected`` text of the resulting ``ScenarioError``.
    at : tuple
        Path of the offending field relative to the model that raises (read by the loader).
    """
    return PydanticCustomError("scenario", "{msg}", {"msg": text, "at": at})


class _Dist(BaseModel):
    """Common behaviour of the distribution specs."""

    model_config = _STRICT
    _positive: ClassVar[tuple[str, ...]] = ()  # parameters that must be > 0

    @model_validator(mode="after")
    def _check_positive(self) -> _Dist:
        for key in self._positive:
            if getattr(self, key) <= 0:
                raise custom_error(f"expected {key} > 0, got {getattr(self, key)}", (key,))
        return self

    def frozen(self) -> Any:
        """Return the frozen ``scipy.stats`` distribution."""
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantile function, vectorised.

        Parameters
        ----------
        u : numpy.ndarray
            Probabilities in [0, 1] [-].

        Returns
        -------
        numpy.ndarray
            Values with the shape of ``u``, in the unit of the field.
        """
        return np.asarray(self.frozen().ppf(np.asarray(u, dtype=float)), dtype=float)

    def mean(self) -> float:
        """Return the expected value, in the unit of the field."""
        return float(self.frozen().mean())

    def support(self) -> tuple[float, float]:
        """Return the smallest and largest possible value (may be infinite)."""
        low, high = self.frozen().support()
        return float(low), float(high)

    def to_data(self) -> Any:
        """Return plain data as written in a scenario file."""
        return self.model_dump()


class Fixed(_Dist):
    """A number known exactly; what a plain number in a file becomes."""

    dist: Literal["fixed"] = "fixed"
    value: float

    def frozen(self) -> Any:
        """Return a one-point ``scipy.stats`` distribution at ``value``."""
        return stats.rv_discrete(values=([self.value], [1.0]))()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Return ``value`` for every entry of ``u``."""
        return np.full(np.shape(u), self.value, dtype=float)

    def mean(self) -> float:
        """Return ``value``."""
        return self.value

    def support(self) -> tuple[float, float]:
        """Return ``(value, value)``."""
        return self.value, self.value

    def to_data(self) -> float:
        """Return the plain number."""
        return self.value


class Beta(_Dist):
    """Beta distribution on [0, 1] with shapes ``a`` and ``b`` (both > 0)."""

    dist: Literal["beta"]
    a: float
    b: float
    _positive = ("a", "b")

    def frozen(self) -> Any:
        """Return ``scipy.stats.beta(a, b)``."""
        return stats.beta(self.a, self.b)


class Uniform(_Dist):
    """Uniform distribution between ``low`` and ``high`` (``low < high``)."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        if not self.low < self.high:
            raise custom_error(f"expected high > low ({self.low}), got {self.high}", ("high",))
        return self

    def frozen(self) -> Any:
        """Return ``scipy.stats.uniform`` on [low, high]."""
        return stats.uniform(loc=self.low, scale=self.high - self.low)


class Triangular(_Dist):
    """Triangular distribution (``low <= mode <= high``, ``low < high``)."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Triangular:
        if not self.low < self.high:
            raise custom_error(f"expected high > low ({self.low}), got {self.high}", ("high",))
        if not self.low <= self.mode <= self.high:
            text = f"expected mode in [{self.low}, {self.high}], got {self.mode}"
            raise custom_error(text, ("mode",))
        return self

    def frozen(self) -> Any:
        """Return ``scipy.stats.triang`` on [low, high] peaking at ``mode``."""
        width = self.high - self.low
        return stats.triang((self.mode - self.low) / width, loc=self.low, scale=width)


class LogNormal(_Dist):
    """Log-normal distribution given by its ``median`` (> 0) and log-scale ``sigma`` (> 0)."""

    dist: Literal["lognormal"]
    median: float
    sigma: float
    _positive = ("median", "sigma")

    def frozen(self) -> Any:
        """Return ``scipy.stats.lognorm(s=sigma, scale=median)``."""
        return stats.lognorm(self.sigma, scale=self.median)


class Normal(_Dist):
    """Normal distribution with ``mean`` and standard deviation ``sd`` (> 0)."""

    dist: Literal["normal"]
    mean_: float = Field(alias="mean")
    sd: float

    _positive = ("sd",)

    def frozen(self) -> Any:
        """Return ``scipy.stats.norm(mean, sd)``."""
        return stats.norm(self.mean_, self.sd)

    def to_data(self) -> Any:
        """Return plain data as written in a scenario file."""
        return self.model_dump(by_alias=True)


DIST_KINDS: dict[str, type[_Dist]] = dict(
    beta=Beta, fixed=Fixed, lognormal=LogNormal, normal=Normal, triangular=Triangular,
    uniform=Uniform,
)  # fmt: skip

Distribution = Annotated[
    Union[Fixed, Beta, Uniform, Triangular, LogNormal, Normal], Field(discriminator="dist")
]
"""Any distribution spec, selected by its ``dist`` key."""


def describe(value: Any) -> str:
    """Describe a value found in a file, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list" if value else "an empty list"
    text = value if isinstance(value, str) else str(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"the string {text!r}" if isinstance(value, str) else text


def number_hint(value: Any) -> str:
    """Explain why a value YAML did not read as a number, or return ``''``."""
    if isinstance(value, bool):
        return "; YAML reads NO/yes/on/off/true/false as booleans"
    if not isinstance(value, str):
        return ""
    try:
        number = float(value.replace("_", ""))
    except ValueError:
        return ""
    if not math.isfinite(number):
        return ""
    if "e" not in value.lower():
        return f"; YAML reads {value!r} as a string: write the number without quotes"
    mantissa, _, exponent = f"{number:e}".partition("e")
    sci = f"{float(mantissa)!r}e{exponent[0]}{int(exponent[1:])}"
    plain = np.format_float_positional(number, trim="-")
    return f"; YAML reads {value!r} as a string: write {sci} or {plain}"


def _to_dist(value: Any) -> Any:
    """Turn a plain number into a ``fixed`` spec; refuse what is neither number nor mapping."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    if isinstance(value, dict):
        return value
    raise custom_error(
        "expected a number or a distribution mapping (e.g. {dist: uniform, low: 1, high: 2}), "
        f"got {describe(value)}{number_hint(value)}"
    )


def _bounded(low: float, high: float, label: str, open_low: bool = False) -> AfterValidator:
    """Validator: the support of the distribution must lie within [low, high].

    With ``open_low`` a fixed value must exceed ``low``; a continuous distribution may
    touch ``low`` (it has probability zero there).
    """

    def check(dist: _Dist) -> _Dist:
        lo, hi = dist.support()
        ok = low <= lo and hi <= high
        if open_low and isinstance(dist, Fixed):
            ok = ok and dist.value > low
        if ok:
            return dist
        if isinstance(dist, Fixed):
            found = f"{dist.value:g}"
        else:
            found = f"a {dist.dist} distribution with support [{lo:g}, {hi:g}]"
        raise custom_error(f"expected {label}, got {found}")

    return AfterValidator(check)


Number = Annotated[Distribution, BeforeValidator(_to_dist)]
"""A number field without bounds (e.g. demand growth [fraction/yr])."""

Probability = Annotated[Number, _bounded(0.0, 1.0, "a probability in [0, 1]")]
"""A number field in [0, 1]."""

NonNegative = Annotated[Number, _bounded(0.0, math.inf, "a number >= 0")]
"""A number field >= 0."""

Positive = Annotated[Number, _bounded(0.0, math.inf, "a number > 0", open_low=True)]
"""A number field > 0."""


def unknown_name(label: str, value: str, known: frozenset[str] | list[str]) -> str:
    """Return the message for a name that is not in ``known``, with the closest match."""
    text = f"unknown {label} {value!r}"
    close = difflib.get_close_matches(value, sorted(known), n=1)
    if close:
        text += f"; did you mean {close[0]!r}?"
    return text + " known: " + ", ".join(sorted(known))


def _vocab_name(attr: str, label: str, optional: bool = False) -> BeforeValidator:
    """Validator: a string naming a member of ``Vocabulary.<attr>``."""

    def check(value: Any, info: ValidationInfo) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            hint = BOOL_HINT if isinstance(value, bool) else ""
            raise custom_error(f"expected a {label} name, got {describe(value)}{hint}")
        vocab: Vocabulary | None = (info.context or {}).get("vocab")
        if vocab is not None and value not in getattr(vocab, attr):
            raise custom_error(unknown_name(label, value, getattr(vocab, attr)))
        return value

    return BeforeValidator(check)


Country = Annotated[str, _vocab_name("countries", "country")]
Element = Annotated[str, _vocab_name("elements", "element")]
Stage = Annotated[str, _vocab_name("stages", "stage")]
Material = Annotated[str, _vocab_name("materials", "material")]
Sector = Annotated[str, _vocab_name("sectors", "sector")]
FacilityKind = Annotated[str, _vocab_name("facility_kinds", "facility kind")]
OreType = Annotated[Union[str, None], _vocab_name("ore_types", "ore type", optional=True)]
Mineral = Annotated[str, _vocab_name("minerals", "mineral")]


def seq(value: Any) -> Any:
    """Accept a YAML list where the model holds a tuple."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    raise custom_error(f"expected a list, got {describe(value)}")


def _all_stages(value: Any, info: ValidationInfo) -> Any:
    """Default ``stages`` (missing or null) to every stage of the world."""
    if value is None:
        vocab: Vocabulary | None = (info.context or {}).get("vocab")
        return tuple(sorted(vocab.stages)) if vocab is not None else ()
    return seq(value)


def _to_date(value: Any) -> date:
    """Read a date written as ``YYYY-MM-DD``, ``YYYY-MM`` or a YAML date."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and (match := _DATE.fullmatch(value.strip())):
        year, month, day = match.groups()
        try:
            return date(int(year), int(month), int(day or 1))
        except ValueError:
            pass
    raise custom_error(f"expected a date YYYY-MM-DD or YYYY-MM, got {describe(value)}")


def _to_month(value: Any) -> date:
    """Read the first day of a month between 1900 and 2200."""
    day = _to_date(value)
    if day.day != 1 or not 1900 <= day.year <= 2200:
        raise custom_error(f"expected a month YYYY-MM between 1900 and 2200, got {day}")
    return day


def _destinations(value: Any) -> Any:
    """Accept ``'all'`` or a list of countries."""
    if value == "all" or isinstance(value, list):
        return seq(value) if isinstance(value, list) else value
    raise custom_error(f"expected 'all' or a list of countries, got {describe(value)}")


When = Annotated[date, BeforeValidator(_to_date)]
Month = Annotated[date, BeforeValidator(_to_month)]
MaybeWhen = Annotated[
    Union[date, None], BeforeValidator(lambda v: None if v is None else _to_date(v))
]
Elements = Annotated[tuple[Element, ...], BeforeValidator(seq), Field(min_length=1)]
Stages = Annotated[tuple[Stage, ...], BeforeValidator(_all_stages), Field(min_length=1)]
Destinations = Annotated[
    Union[
        Annotated[Literal["all"], Tag("all")],
        Annotated[tuple[Country, ...], Tag("list")],
    ],
    Discriminator(lambda v: "all" if v == "all" else "list"),
    BeforeValidator(_destinations),
]
