"""Notifications: what the service tells each user, in the app and (if they choose) by email.

The lower packages announce what happened through ``mhst.core.signals``; the receivers
here (:mod:`.receivers`) decide who is told and add the rows in the sender's unit of
work. A notification names its record by reference only (``R000123``, a school's name),
never a child, so a stored notification shows nothing to someone who later loses scope;
its link is scope-checked like any other when followed. Emails are sent by a scheduled
task (:mod:`.emails`), with a generic subject and no child's name.
"""
