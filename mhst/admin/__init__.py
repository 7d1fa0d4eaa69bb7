"""The administrator's pages: users (``users_views``: list, create, change, deactivate)
and the audit log (``audit_views``: browse and filter).

Apart from the packages they show because of where those sit: a user works in a team or
at a school, so the user pages build on accounts, organisation and schools; the audit
log sits below security (scoping audits what it reads), so its page, which needs a
permission, sits up here.
"""
