"""Every signal in the service, in one place: how a lower package tells higher ones what
happened, or asks them what to add to one of its pages, without importing them.

The packages form layers (see ``tests/test_layers.py``): referrals may not import
casework or sessions, cohorts may not import schools. So referrals *sends*
:data:`referral_closed` and casework, which builds on referrals, *receives* it.

Receivers connect when their module is imported (``@signals.referral_closed.connect``);
the app factory imports every module that holds receivers, once (``_connect_receivers``
in ``mhst/__init__.py``). They run synchronously inside the sender's unit of work: they
add to the session and flush, and the sender's caller commits once. Each signal has one
receiver per effect; none may depend on the order in which receivers run.

Page signals (``*_page``) follow Indico's ``values_from_signal``: each receiver returns a
dict of template values, merged by :func:`values_from_signal` over the page's defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from blinker import Namespace

_signals = Namespace()

# ---- what happened ----------------------------------------------------------------------

referral_closed = _signals.signal(
    "referral-closed",
    doc="""A referral moved to a closed status (withdrawn, declined, signposted, discharged...).

    Sent by ``mhst.referrals.operations`` (every closing transition, before the audit
    event and the flush). Sender: the :class:`~mhst.referrals.models.Referral`, whose
    ``status`` is already the closed one. Keyword arguments: ``by``, the user, and
    ``reason``, the history's reason for the move (may be None).

    Received by ``mhst.casework.receivers``: the case leaves its practitioner's caseload
    (the current allocation ends, kept as history), unless it was discharged: discharge
    ends the allocation itself, with its own reason. Received by
    ``mhst.sessions.receivers``: the sessions booked that have not started are cancelled
    as "cancelled: case closed" (``Attendance.CASE_CLOSED``), with the reason.
    """,
)

consent_withdrawn = _signals.signal(
    "consent-withdrawn",
    doc="""Consent to work with a child was withdrawn: all further activity stops.

    Sent by ``mhst.referrals.consent.withdraw_consent`` after recording the withdrawal
    and before closing the referral. Sender: the referral. Keyword arguments:
    ``consent`` (the withdrawn consent), ``by`` (the user), ``reason`` (their words).

    Received by ``mhst.sessions.receivers``: the referral's planned 1:1 sessions that have
    not started yet are cancelled by the service.
    """,
)

referral_received = _signals.signal(
    "referral-received",
    doc="""A new referral arrived: submitted by a school's lead or recorded by staff.

    Sent by ``mhst.referrals.submission.submit_referral`` once the referral, its history
    and its audit event are added. Sender: the :class:`~mhst.referrals.models.Referral`.
    Keyword arguments: ``by``, the user who submitted or recorded it.

    Received by ``mhst.notifications.receivers``: the senior clinicians of the team that
    covers the school are notified.
    """,
)

referral_status_changed = _signals.signal(
    "referral-status-changed",
    doc="""A referral moved from one status to another (every move, closing or not).

    Sent by ``mhst.referrals.operations.move_to`` after the history is recorded and the
    status set (before :data:`referral_closed`, when the move closes it). Sender: the
    referral. Keyword arguments: ``from_status`` and ``to_status``
    (:class:`~mhst.referrals.models.ReferralStatus`), ``by`` (the user).

    Received by ``mhst.notifications.receivers``: the school's lead is notified when the
    referral is one they may see (their school's own) and someone else moved it.
    """,
)

case_allocated = _signals.signal(
    "case-allocated",
    doc="""A case was allocated to a practitioner: a first allocation, a reallocation or
    a reopened case allocated again.

    Sent by ``mhst.casework.operations`` (``_start``, once the allocation is flushed).
    Sender: the referral. Keyword arguments: ``practitioner`` (who holds it now), ``by``
    (who allocated it) and ``reallocated`` (True when someone else held it until now).

    Received by ``mhst.notifications.receivers``: the practitioner is notified.
    """,
)

case_risk_raised = _signals.signal(
    "case-risk-raised",
    doc="""A risk was raised on a case: a session's new risk, or a measure at or beyond
    its risk threshold, flagged for a senior clinician's review.

    Sent by ``mhst.referrals.risk_flags.raise_flag`` after the flag and its audit event.
    Sender: the referral. Keyword arguments: ``flag`` (the
    :class:`~mhst.referrals.risk_flags.CaseRiskFlag`) and ``by`` (who raised it).

    Received by ``mhst.notifications.receivers``: the practitioner who holds the case is
    notified (unless they raised it themselves).
    """,
)

school_visit_booked = _signals.signal(
    "school-visit-booked",
    doc="""The team booked a visit at a school: a 1:1 session face to face in school, or
    a group that meets at the school.

    Sent by ``mhst.sessions.operations.book_session`` (a session face to face in school,
    unless its caller tells the school itself), ``mhst.sessions.courses.book_course`` and
    ``mhst.sessions.group_operations.create_group`` (a group at a school). Sender: the
    :class:`~mhst.schools.models.School`. Keyword arguments: ``by`` (who booked it),
    ``what`` (the visit in words, naming no child: "a 1:1 session", "a group"),
    ``when`` (a datetime or a date: when it starts, or None if not yet known) and
    ``weeks`` (optional, 1 by default): a course of weekly 1:1 sessions
    (``mhst.sessions.courses.book_course``) is sent once, after every week is booked,
    with ``when`` its first session and ``weeks`` how many.

    Received by ``mhst.notifications.receivers``: the school's lead is notified.
    """,
)

interest_registered = _signals.signal(
    "interest-registered",
    doc="""A school registered its interest in joining the programme (the public form).

    Sent by ``mhst.schools.interest.register_interest`` after the registration and its
    audit event. Sender: the :class:`~mhst.schools.models.InterestRegistration`.

    Received by ``mhst.notifications.receivers``: every active administrator is notified.
    """,
)

# ---- what a page shows ------------------------------------------------------------------

timeline_entries = _signals.signal(
    "timeline-entries",
    doc="""A child's timeline (``mhst.casework.timeline.timeline``) collects the entries
    of records kept by packages above casework.

    Sent by ``mhst.casework.timeline.timeline``. Sender: None. Keyword arguments:
    ``referral_ids`` (the referrals whose record is shown) and ``notes_for`` (those whose
    clinical record the viewer may open). Each receiver returns a list of
    ``mhst.casework.timeline_entry.TimelineEntry``, read in one query whatever the number
    of referrals. Received by ``mhst.letters.receivers``: the letters produced, each linked
    to its PDF for the referrals in ``notes_for``.
    """,
)

referral_page = _signals.signal(
    "referral-page",
    doc="""The referral's page (``referrals.show``) collects what higher packages show on it.

    Sent by ``mhst.referrals.record_views.show``. Sender: the referral. Keyword arguments:
    ``user`` (who is looking), ``lead_view`` (True for a school's lead, whose page shows
    nothing clinical) and ``case_view`` (the user may see the case's notes). Each receiver
    returns a dict of template values:

    - ``mhst.casework.receivers``, staff view: ``timeline``, ``reads`` (the reads of what
      the timeline shows, which the page audit-logs with its other lists in one INSERT),
      ``sessions_url`` (in case scope only), ``can_allocate``, ``can_discharge``,
      ``can_reopen``.
    - ``mhst.sessions.receivers``, lead view: ``next_session``, the next planned session
      not yet started (the page tells the lead only when and where it is).
    - ``mhst.letters.receivers``: staff view, ``can_write_letter`` (the link to produce a
      letter, in case scope); lead view, ``shared_letters``, the advice for the school
      the team shared with the lead (each downloadable).
    """,
)

cohort_list_page = _signals.signal(
    "cohort-list-page",
    doc="""The list of cohorts (``cohorts.index``) collects the figures shown beside each.

    Sent by ``mhst.cohorts.views.index``. Sender: None. Keyword arguments: ``cohorts``
    (those listed) and ``user``. Received by ``mhst.schools.receivers``, which returns
    ``totals``: ``{cohort id: (schools, pupils on roll)}`` for cohorts with schools.
    """,
)

cohort_page = _signals.signal(
    "cohort-page",
    doc="""A cohort's page (``cohorts.show``) collects the schools in the cohort.

    Sent by ``mhst.cohorts.views.show``. Sender: the cohort. Keyword arguments: ``user``.
    Received by ``mhst.schools.receivers``, which returns ``schools`` (by name, with their
    team and area), ``linkable`` (the ids of those whose page ``user`` may open) and
    ``pupils`` (the total on roll); and by ``mhst.planning.receivers``, which returns
    ``plan_decisions`` (the planner's decisions that added schools to it, newest first).
    """,
)

school_page = _signals.signal(
    "school-page",
    doc="""A school's page (``schools.show``) collects what higher packages show on it.

    Sent by ``mhst.schools.school_page`` (``_render_show``). Sender: the school. Keyword
    arguments: ``user`` (who is looking). Received by ``mhst.need.receivers``, which
    returns ``need_card``: the school's indicators of need (or None), their free school
    meals band and what the user may do with them, shown by ``need/_school_card.html``.
    """,
)


def values_from_signal(
    responses: Iterable[tuple[Any, Mapping[str, Any] | None]], defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """The page's ``defaults`` updated with every receiver's values (``Signal.send``'s
    result). Receivers may only supply names the page declares, and each only once."""
    values = dict(defaults)
    supplied: dict[str, Any] = {}
    for receiver, answer in responses:
        for name, value in (answer or {}).items():
            if name not in defaults:
                raise KeyError(f"{receiver.__qualname__} supplies {name!r}, not a page value")
            if name in supplied:
                raise KeyError(f"{name!r} supplied by {receiver.__qualname__} and another")
            supplied[name] = values[name] = value
    return values
