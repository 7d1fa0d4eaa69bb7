"""The demo's stories at three more teams' schools (see :mod:`mhst.demo.stories`):
City South MHST, County West MHST and Rutland MHST. Everything here is made up."""

from __future__ import annotations

from mhst.casework.models import DischargeReason
from mhst.demo.stories import (
    CHILD,
    ESQ_SATISFIED,
    GP,
    NURSE,
    PARENT,
    PARENT_SOURCE,
    SELF,
    Care,
    Closing,
    DemoMeasure,
    G,
    N,
    S,
    Story,
    Triage,
    Y,
    accepted,
)
from mhst.referrals.models import RiskItem
from mhst.sessions.models import ContactMode, Pathway, WhoAttended

CITY_SOUTH = (
    # Willowbank Community College (990003).
    Story("Kiera", "Dunmore", 15, Y.YEAR_10, G.FEMALE, "990003", (N.LOW_MOOD,), received=108,
          consent=106, triage=accepted(103),
          care=Care("dev", 98, Pathway.BEHAVIOURAL_ACTIVATION, first=92, attendance="AAAADAAA",
                    goals=("Go to netball again", "Get up for school", "Tell Mum how I feel"),
                    measures=(DemoMeasure("GBO", 0, CHILD, (2, 3, 2)),
                              DemoMeasure("GBO", 3, CHILD, (5, 5, 4)),
                              DemoMeasure("GBO", 7, CHILD, (8, 7, 7)),
                              DemoMeasure("ESQ", 7, CHILD, ESQ_SATISFIED))),
          closed=Closing(55, DischargeReason.GOALS_MET,
                         "Kiera is back at netball and up for school; she knows her early signs "
                         "and has Tellmi if her mood dips.", services=("tellmi",))),
    Story("Ibrahim", "Sallow", 16, Y.YEAR_11, G.MALE, "990003",
          (N.WORRY, N.ANXIETY_AND_AVOIDANCE), received=47, source=SELF, consent=46,
          triage=accepted(43),
          care=Care("dev", 38, Pathway.GUIDED_SELF_HELP_ANXIETY, first=33, attendance="AAFAAA",
                    goals=("Sit the mock exams in the hall", "Sleep before midnight"),
                    measures=(DemoMeasure("GBO", 0, CHILD, (3, 3)),
                              DemoMeasure("GBO", 5, CHILD, (6, 7))))),
    Story("Chloe", "Ashgrove", 13, Y.YEAR_8, G.FEMALE, "990003", (N.ADJUSTING_TO_CHANGE,),
          received=26, risks=(RiskItem.SELF_HARM,), reviewed=26, consent=25, triage=accepted(22),
          care=Care("dev", 19, Pathway.OTHER, first=14, attendance="ADA", mode=ContactMode.VIDEO),
          detail="has found moving schools hard; she told a friend about scratching her arm."),
    Story("Amelia", "Fenwick", 14, Y.YEAR_9, G.FEMALE, "990003",
          (N.LOW_MOOD, N.FAMILY_RELATIONSHIPS), received=32, source=PARENT_SOURCE, consent=31,
          triage=Triage(S.SIGNPOSTED, 28, "Grief since her grandmother died in the summer: a "
                        "bereavement service fits better.", ("laura",)),
          detail="has been low and withdrawn since her grandmother died in the summer."),
    Story("Maya", "Ellery", 12, Y.YEAR_7, G.FEMALE, "990003", (N.WORRY,), received=3,
          source=PARENT_SOURCE),
    Story("Owen", "Castell", 13, Y.YEAR_8, G.MALE, "990003", (N.SLEEP_DIFFICULTIES,),
          received=6, source=NURSE, consent=5),
)  # fmt: skip

COUNTY_WEST = (
    # Oakleigh Church of England Primary (990004) and Fernhill Secondary School (990005).
    Story("Ivy", "Castleton", 7, Y.YEAR_2, G.FEMALE, "990004", (N.ANXIETY_AND_AVOIDANCE,),
          received=128, source=PARENT_SOURCE, consent=126, triage=accepted(122),
          care=Care("callum", 115, Pathway.PARENT_LED_CBT_ANXIETY, first=108,
                    attendance="AAAAAAA", who=WhoAttended.PARENT_CARER, mode=ContactMode.VIDEO,
                    goals=("Stays at school without a phone call home", "Plays at a friend's"),
                    measures=(DemoMeasure("GBO", 0, PARENT, (2, 2)),
                              DemoMeasure("GBO", 6, PARENT, (7, 6)))),
          closed=Closing(75, DischargeReason.GOALS_MET,
                         "Ivy stays the whole school day; her parents keep using the plan.")),
    Story("Reuben", "Ashby", 9, Y.YEAR_4, G.MALE, "990004", (N.CHALLENGING_BEHAVIOUR,),
          received=70, consent=68, triage=accepted(64),
          care=Care("callum", 58, Pathway.PARENTING_BEHAVIOUR, first=52, attendance="AADDD",
                    who=WhoAttended.PARENT_CARER, mode=ContactMode.TELEPHONE),
          closed=Closing(29, DischargeReason.DISENGAGED,
                         "The family stopped coming after the second session and did not answer "
                         "calls or letters. School told; they can refer again.",
                         no_final_measures="The family did not come back to complete them.")),
    Story("Lola", "Pritchard", 13, Y.YEAR_8, G.FEMALE, "990005",
          (N.LOW_MOOD, N.SLEEP_DIFFICULTIES), received=41, consent=40, triage=accepted(37),
          care=Care("ananya", 32, Pathway.BEHAVIOURAL_ACTIVATION, first=27, attendance="AAAASA",
                    goals=("Walk the dog after school", "Sleep by 11pm", "Go to drama club"),
                    measures=(DemoMeasure("GBO", 0, CHILD, (3, 4, 2)),
                              DemoMeasure("GBO", 3, CHILD, (6, 6, 5))))),
    Story("Finn", "Adair", 15, Y.YEAR_10, G.MALE, "990005", (N.ANXIETY_AND_AVOIDANCE,),
          received=30, consent=29, triage=accepted(26),
          care=Care("ananya", 21, Pathway.GRADED_EXPOSURE, first=16, attendance="AAA",
                    planned=(3,), goals=("Answer a question in class",),
                    measures=(DemoMeasure("GBO", 0, CHILD, (2,)),))),
    Story("Georgia", "Wynne", 14, Y.YEAR_9, G.FEMALE, "990005", (N.WORRY,), received=17,
          consent=16, triage=accepted(13)),
    Story("Bea", "Thornton", 6, Y.YEAR_1, G.FEMALE, "990004", (N.WORRY,), received=28,
          source=PARENT_SOURCE, consent=27, triage=accepted(24)),
    Story("Dylan", "Marsh", 11, Y.YEAR_6, G.MALE, "990004", (N.EMOTIONAL_REGULATION,),
          received=10),
    Story("Anika", "Shah", 16, Y.YEAR_11, G.FEMALE, "990005", (N.LOW_MOOD,), received=24,
          source=SELF, consent=24,
          triage=Triage(S.NOT_ACCEPTED, 21, "Anika already sees CAMHS; her care coordinator "
                        "has been told about this referral.")),
)  # fmt: skip

RUTLAND = (
    # Uppingfield Primary School (990006).
    Story("Harriet", "Lowther", 10, Y.YEAR_5, G.FEMALE, "990006", (N.WORRY,), received=86,
          consent=84, triage=accepted(81),
          care=Care("leon", 76, Pathway.GUIDED_SELF_HELP_ANXIETY, first=71, attendance="AAAFAAA",
                    goals=("Read aloud in class", "Go on the school trip"),
                    measures=(DemoMeasure("GBO", 0, CHILD, (3, 4)),
                              DemoMeasure("GBO", 6, CHILD, (7, 8)))),
          closed=Closing(38, DischargeReason.GOALS_MET, "Harriet went on the school trip and "
                         "reads aloud in class; the family have Tellmi's details for later.",
                         services=("tellmi",))),
    Story("Alfie", "Dunstan", 9, Y.YEAR_4, G.MALE, "990006", (N.SLEEP_DIFFICULTIES,),
          received=32, source=GP, consent=30, triage=accepted(28),
          care=Care("leon", 23, Pathway.CBT_SLEEP, first=18, attendance="ADAA",
                    who=WhoAttended.BOTH,
                    goals=("Fall asleep in his own room", "No screens in bed"),
                    measures=(DemoMeasure("GBO", 0, CHILD, (2, 3)),
                              DemoMeasure("GBO", 3, CHILD, (5, 6))))),
    Story("Evie", "Sandford", 8, Y.YEAR_3, G.FEMALE, "990006", (N.ANXIETY_AND_AVOIDANCE,),
          received=12, consent=11, triage=accepted(8)),
    Story("Noah", "Pell", 10, Y.YEAR_5, G.MALE, "990006", (N.ADJUSTING_TO_CHANGE,), received=5),
)  # fmt: skip

TEAM_STORIES = (*CITY_SOUTH, *COUNTY_WEST, *RUTLAND)
