"""Discrete-event engine: each path is a SimPy simulation of the compiled network.

The engine reads the same :class:`~supplysim.network.Network` as the vector engine and decides
every quantity with :mod:`supplysim.rules`. It keeps the vector engine's monthly decision cycle:
at each month start a planner (:mod:`.planner`) takes the goods due this month into its books,
plans the lines, places orders, allocates (home first, trade, replenishment; export bans,
licences and quotas; round-two re-sourcing from suppliers with stock left and triggered
stockpiles) and serves demand, in the order of :func:`supplysim.engines.vector.step`. The
processes of :mod:`.processes` then carry the plan out at their own days, taking goods from
SimPy containers only in the granted amounts and waiting until they are there:

- production in ``BATCHES_PER_MONTH`` (4) batches per facility, each sized by the capacity
  available in its interval;
- outages: in each month one starts with probability ``outage_prob`` on a uniform day and lasts
  an exponential time with mean one month (30.44 d); the loss share applies while it runs, and
  the planner's capacity is cut by the loss times the share of the month under outage (on
  average ``outage_prob``, as the vector engine's monthly draws);
- shipments: one per link and month, departing on a uniform day of the month, with a lead time
  uniform within +-25 % of ``lead_months x 30.44`` d; goods count in the month they arrive;
- licences: a licensed link files ``applications_per_month`` lots a month, one application
  each; an application is approved when its uniform draw is below ``approval_prob`` (drawn
  when it is filed, so refused goods stay with the exporter that month as in the vector engine;
  approved lots wait in the exporter's hold until the decision). The review desk is a queue:
  with ``review_capacity_per_week`` null the decision comes ``review_delay_days`` after filing;
  with a finite capacity that many applications are taken up per week, first come first
  served, each decided ``review_delay_days`` later, so a surge builds a backlog and delays
  grow. A "request for more information" (``rfi_prob``) sends an application back for
  ``rfi_delay_days`` and into the queue again;
- stockpile releases as shipments on release links (no lead time), project milestones (FID,
  construction done, ramp-up quarters), demand drawn in four draws a month.

The vector engine approximates a finite review queue by its mean delay: every licensed shipment
waits ``review_delay_days`` (rounded to whole months at random), whatever the backlog; only
this engine lets delays grow with the queue. With unlimited capacity and no RFI the two engines
agree within Monte Carlo error (``tests/engines/test_agreement.py``).

Monthly outputs (``demand_t``, ``unmet_t``, ``shipped_t`` = goods leaving the supplier in the
month, ``stockpile_t`` at month end) are the planner's books; physical events may run late when
a process waits for goods. Months are ``365.25 / 12`` days; event times are days from the
horizon start.
"""

from supplysim.engines.des.runner import run_des

__all__ = ["run_des"]
