"""Run profiles: how many rounds, how long, how much warm-up.

A profile is the single knob a user turns between "tell me quickly" and
"tell me precisely". ``smoke`` runs every benchmark with the fewest rounds
that still give a median; ``thorough`` is for a quiet machine.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """Timing budget for one benchmark.

    ``min_rounds``/``max_rounds`` bound the rounds; ``max_time`` (s) caps a
    benchmark's timed rounds once ``min_rounds`` are done; ``min_round_time``
    (s) is what calibration aims one micro round at; ``warmup_rounds`` are
    untimed rounds run first (they also count SQL statements), and untimed
    rounds continue until ``warmup_time`` (s) has passed. With
    ``precision`` set the profile is adaptive: after ``min_rounds`` it stops
    as soon as the 95 % interval of the median is within ±precision (a
    fraction of the median), and at ``max_time`` otherwise.
    """

    name: str
    min_rounds: int
    max_rounds: int
    max_time: float
    min_round_time: float
    warmup_rounds: int
    warmup_time: float = 0.0
    reservoir: int = 64
    precision: float | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "min_rounds": self.min_rounds,
            "max_rounds": self.max_rounds,
            "max_time": self.max_time,
            "min_round_time": self.min_round_time,
            "warmup_rounds": self.warmup_rounds,
            "warmup_time": self.warmup_time,
            "reservoir": self.reservoir,
            "precision": self.precision,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Profile:
        return cls(**data)  # type: ignore[arg-type]


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        "smoke",
        min_rounds=5,
        max_rounds=25,
        max_time=0.5,
        min_round_time=0.002,
        warmup_rounds=1,
        warmup_time=0.05,
        precision=0.10,
    ),
    "standard": Profile(
        "standard",
        min_rounds=10,
        max_rounds=100,
        max_time=2.0,
        min_round_time=0.005,
        warmup_rounds=1,
        warmup_time=0.1,
        precision=0.03,
    ),
    "thorough": Profile(
        "thorough",
        min_rounds=30,
        max_rounds=200,
        max_time=6.0,
        min_round_time=0.01,
        warmup_rounds=2,
        warmup_time=0.3,
    ),
}


class UnknownProfile(ValueError):
    """A profile name that is not one of :data:`PROFILES`."""


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise UnknownProfile(f"unknown profile {name!r} (choose from {known})") from None
