"""The working week: a practitioner's diary (day and week), today's sessions on the home
page, the team's week for senior clinicians, a school's view of the team's visits, and
each practitioner's private calendar feed (iCalendar) for Outlook or a phone.

Above sessions, casework and wholeschool (it reads their records, never changes them);
below the home pages, which show today's sessions from :mod:`mhst.diary.entries`.
"""
