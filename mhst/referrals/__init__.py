"""Consent-gated referrals, triage and the waiting list.

Routes live in three modules on one blueprint (``blueprint``): ``submit_views`` (a
school's lead's referral form and staff-recorded referrals), ``record_views`` (the list,
the referral's page, consent and withdrawal) and ``triage_views`` (the triage queue, risk
review, triage decisions and the waiting list). Rules live in ``operations``; the triage
queue and waiting list in ``queries``, every lookup scoped by ``mhst.security.scoping``.
"""
