"""Questionnaires completed online: a practitioner sends a measure to the young person or
their parent or carer as a single-use, time-limited link (by text, by email, or shown as
a QR code); the family answers on their phone without an account, and the answers are
recorded and scored by :mod:`mhst.outcomes.recording` like any other measure.
"""
