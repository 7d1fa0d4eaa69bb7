"""What happens to each invented child referred in the demo, and when.

A :class:`Story` is one referral's journey, every date counted in working days before
the day the demo is loaded (a session ``first`` 20 working days ago and weekly after
comes every 5 working days). :mod:`mhst.demo.referrals` and :mod:`mhst.demo.casework`
turn the stories into steps of the demo's plan. The stories of City North MHST (the
demo senior clinician's and EMHP's team) are here; the other teams' are in
:mod:`mhst.demo.team_stories`. Every child, parent and detail is made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from mhst.casework.models import DischargeReason
from mhst.outcomes.definitions import Respondent
from mhst.referrals.models import (
    Gender,
    Need,
    ReferralSource,
    ReferralStatus,
    RiskItem,
    YearGroup,
)
from mhst.sessions.models import ContactMode, Pathway, WhoAttended

S = ReferralStatus
CHILD, PARENT = Respondent.CHILD, Respondent.PARENT_CARER
ACCEPT_REASON = "Mild to moderate difficulties that Li-CBT can help with."
WEEK = 5  # working days between weekly sessions


@dataclass(frozen=True)
class DemoMeasure:
    code: str
    session: int  # recorded at the story's session with this index (0: the first)
    respondent: Respondent
    answers: tuple[int | None, ...]  # item 1 first


@dataclass(frozen=True)
class Triage:
    decision: ReferralStatus
    on: int
    reason: str = ACCEPT_REASON
    services: tuple[str, ...] = ()  # keys of mhst.demo.referrals.SERVICES


def accepted(on: int) -> Triage:
    return Triage(S.ACCEPTED, on)


@dataclass(frozen=True)
class Care:
    """The case allocated to a practitioner ``by`` (a key of mhst.demo.staff) and its
    1:1 sessions: the first ``first`` working days ago and weekly after, one letter each
    in ``attendance`` (A attended, D did not attend, F or S cancelled by the family or the
    service), then sessions booked ``planned`` working days ahead."""

    by: str
    allocated: int
    pathway: Pathway
    first: int | None = None
    attendance: str = ""
    planned: tuple[int, ...] = ()
    who: WhoAttended = WhoAttended.CHILD
    mode: ContactMode = ContactMode.FACE_TO_FACE_SCHOOL
    goals: tuple[str, ...] = ()  # the Goal Based Outcomes goals, in the family's words
    measures: tuple[DemoMeasure, ...] = ()
    notes: str | None = None  # the first session's clinical notes
    # A new risk raised at the last session logged: it flags the case for a senior review.
    risk: str | None = None

    def session_days(self) -> list[int]:
        """Working days ago of each logged session, oldest first."""
        return [self.first - WEEK * n for n in range(len(self.attendance))]


@dataclass(frozen=True)
class Closing:
    """How the referral ended: discharged with a reason, or withdrawn (consent withdrawn
    when consent was given, else the referral withdrawn)."""

    on: int
    reason: DischargeReason | ReferralStatus
    text: str
    services: tuple[str, ...] = ()
    no_final_measures: str | None = None


@dataclass(frozen=True)
class Story:
    given: str
    family: str
    age: int  # on the day the referral was received
    year: YearGroup
    gender: Gender
    urn: str
    needs: tuple[Need, ...]
    received: int
    source: ReferralSource = ReferralSource.SCHOOL
    risks: tuple[RiskItem, ...] = ()
    reviewed: int | None = None  # the same-day risk review
    consent: int | None = None
    triage: Triage | None = None
    care: Care | None = None
    closed: Closing | None = None
    detail: str = "has found the last few weeks hard at school and at home."
    # A child referred again: the name of the story of their earlier referral, whose
    # record (and date of birth) the new referral is linked to.
    again_after: str | None = None

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"

    @property
    def key(self) -> str:
        """The story's own key: a child referred again has a story per referral."""
        return f"{self.name} (referred again)" if self.again_after else self.name


Y, N, G = YearGroup, Need, Gender
SELF, GP, NURSE, PARENT_SOURCE = (
    ReferralSource.SELF_REFERRAL_ONLINE,
    ReferralSource.GP,
    ReferralSource.SCHOOL_NURSE,
    ReferralSource.PARENT_CARER,
)
# The ESQ answers 1 (certainly true) to 3 (not true): a satisfied family.
ESQ_SATISFIED = (1, 1, 1, 1, 1, 2, 1, 1, 2, 1, 1, 1)

CITY_NORTH = (
    # Brookfield Primary School (990001) and Harcourt Lane Academy (990002).
    Story("Ellis", "Marchbank", 9, Y.YEAR_4, G.MALE, "990001",
          (N.WORRY, N.SLEEP_DIFFICULTIES), received=4, consent=3),
    Story("Poppy", "Alderwood", 10, Y.YEAR_5, G.FEMALE, "990001",
          (N.ANXIETY_AND_AVOIDANCE,), received=2),
    Story("Kai", "Brennard", 14, Y.YEAR_9, G.MALE, "990002", (N.LOW_MOOD,), received=1,
          source=GP, risks=(RiskItem.SELF_HARM,)),
    Story("Imogen", "Thackery", 13, Y.YEAR_8, G.FEMALE, "990002", (N.LOW_MOOD, N.WORRY),
          received=25, consent=24, triage=accepted(21),
          care=Care("jordan", 18, Pathway.BEHAVIOURAL_ACTIVATION, first=10, attendance="AD",
                    planned=(4,),
                    goals=("Speak up in class", "Sleep before 10pm", "See friends at the weekend"),
                    measures=(DemoMeasure("GBO", 0, CHILD, (3, 2, 4)),),
                    notes="Assessment: low mood for three months; goals agreed with Imogen. "
                    "Behavioural activation suits.")),
    Story("Rafi", "Okonjo", 8, Y.YEAR_3, G.MALE, "990001",
          (N.CHALLENGING_BEHAVIOUR, N.FAMILY_RELATIONSHIPS), received=9, source=PARENT_SOURCE,
          consent=8, triage=accepted(6)),
    Story("Nell", "Ashcombe", 16, Y.YEAR_11, G.NOT_STATED, "990002", (N.WORRY,), received=14,
          source=SELF, consent=13,
          closed=Closing(7, S.WITHDRAWN, "Nell now gets support from her college's counsellor.")),
    Story("Ruby", "Fairholme", 14, Y.YEAR_9, G.FEMALE, "990002",
          (N.WORRY, N.ANXIETY_AND_AVOIDANCE), received=54, consent=52, triage=accepted(50),
          care=Care("jordan", 45, Pathway.GUIDED_SELF_HELP_ANXIETY, first=40,
                    attendance="AAAAAAA", goals=("Speak up in class", "Go to lunch in the hall"),
                    measures=(DemoMeasure("GBO", 0, CHILD, (4, 3)),  # 3.5
                              DemoMeasure("GBO", 3, CHILD, (4, 4))))),  # 4.0: no reliable change
    Story("Theo", "Ashdown", 12, Y.YEAR_7, G.MALE, "990002", (N.LOW_MOOD,), received=43,
          consent=41, triage=accepted(39),
          care=Care("jordan", 36, Pathway.BEHAVIOURAL_ACTIVATION, first=32, attendance="AAAAAA",
                    goals=("Sleep before 10pm", "Join a lunchtime club",
                           "Message a friend at the weekend"),
                    measures=(DemoMeasure("GBO", 0, CHILD, (2, 1, 3)),  # 2.0
                              DemoMeasure("GBO", 3, CHILD, (4, 3, 5)),  # 4.0
                              DemoMeasure("GBO", 5, CHILD, (7, 6, 8))))),  # 7.0: improved
    Story("Leo", "Pemberton", 8, Y.YEAR_3, G.MALE, "990001", (N.ANXIETY_AND_AVOIDANCE,),
          received=72, consent=70, triage=accepted(68),
          care=Care("jordan", 64, Pathway.PARENT_LED_CBT_ANXIETY, first=60, attendance="AAAAAAA",
                    who=WhoAttended.PARENT_CARER,
                    goals=("Goes into class without tears", "Sleeps in his own bed"),
                    measures=(DemoMeasure("GBO", 0, PARENT, (2, 3)),  # 2.5
                              DemoMeasure("GBO", 3, PARENT, (5, 5)),  # 5.0
                              DemoMeasure("GBO", 6, PARENT, (8, 9)),  # 8.5: improved
                              DemoMeasure("ESQ", 6, PARENT, ESQ_SATISFIED))),
          closed=Closing(28, DischargeReason.GOALS_MET,
                         "Leo's parents use the plan each morning; he goes into class on his "
                         "own most days and sleeps in his own bed. School to keep the morning "
                         "check-in.")),
    Story("Zara", "Quennell", 15, Y.YEAR_10, G.FEMALE, "990002", (N.SLEEP_DIFFICULTIES,),
          received=14, consent=13, triage=accepted(11),
          care=Care("jordan", 8, Pathway.CBT_SLEEP, first=2, attendance="A",
                    goals=("Sleep before 11pm on school nights",),
                    risk="Zara said she scratches her arm when she cannot sleep. Safety plan "
                    "agreed with Zara and her mum; asked for a senior review.")),
    Story("Oscar", "Featherstone", 11, Y.YEAR_6, G.MALE, "990001", (N.ANXIETY_AND_AVOIDANCE,),
          received=16, consent=15, triage=accepted(13),
          care=Care("jordan", 6, Pathway.GUIDED_SELF_HELP_ANXIETY, planned=(2,))),
    Story("Milo", "Hartigan", 11, Y.YEAR_6, G.MALE, "990001", (N.WORRY, N.ADJUSTING_TO_CHANGE),
          received=95, consent=93, triage=accepted(90),
          care=Care("amara", 85, Pathway.GUIDED_SELF_HELP_ANXIETY, first=80,
                    attendance="AAFAAAA",
                    goals=("Sleep at a friend's house", "Ask for help in maths"),
                    measures=(DemoMeasure("GBO", 0, CHILD, (3, 2)),
                              DemoMeasure("GBO", 6, CHILD, (7, 8)))),
          closed=Closing(47, DischargeReason.GOALS_MET,
                         "Milo uses his worry plan; the school's ELSA keeps a weekly check-in.",
                         services=("early help",))),
    # Milo, discharged seven weeks ago, is referred again: one child, two referrals.
    Story("Milo", "Hartigan", 11, Y.YEAR_6, G.MALE, "990001", (N.WORRY,), received=3,
          consent=2, again_after="Milo Hartigan",
          detail="is worried again since his grandmother became ill; his worry plan helped."),
    Story("Sienna", "Crowther", 13, Y.YEAR_8, G.FEMALE, "990002", (N.ANXIETY_AND_AVOIDANCE,),
          received=66, consent=64, triage=accepted(61),
          care=Care("amara", 56, Pathway.GRADED_EXPOSURE, first=50, attendance="AADAASAA",
                    goals=("Travel on the bus to school", "Eat in the canteen", "Answer the door"),
                    measures=(DemoMeasure("GBO", 0, CHILD, (2, 2, 3)),
                              DemoMeasure("GBO", 4, CHILD, (4, 5, 5))))),
    Story("Hana", "Brightwell", 12, Y.YEAR_7, G.FEMALE, "990002", (N.WORRY,), received=19,
          consent=18, triage=accepted(16),
          care=Care("amara", 14, Pathway.GUIDED_SELF_HELP_ANXIETY, first=12, attendance="ADA",
                    planned=(3,))),
    Story("Esme", "Varga", 14, Y.YEAR_9, G.FEMALE, "990002", (N.ANXIETY_AND_AVOIDANCE, N.WORRY),
          received=18, source=GP, consent=17, triage=accepted(14)),
    Story("Jasper", "Lindley", 9, Y.YEAR_4, G.MALE, "990001",
          (N.EMOTIONAL_REGULATION, N.CHALLENGING_BEHAVIOUR), received=35, consent=33,
          triage=Triage(S.SIGNPOSTED, 30, "Anger at home more than at school: the family asked "
                        "for the early intervention service's parents' group.", ("early help",))),
    Story("Freya", "Moorcroft", 15, Y.YEAR_10, G.FEMALE, "990002", (N.LOW_MOOD,), received=20,
          source=NURSE, risks=(RiskItem.THOUGHTS_OF_SUICIDE,), reviewed=20, consent=19,
          triage=Triage(S.STEPPED_UP, 18, "The risk review found thoughts of suicide with a "
                        "plan: more than mild to moderate. Referred to CAMHS with the family.",
                        ("camhs",))),
    Story("Arlo", "Penrose", 7, Y.YEAR_2, G.MALE, "990001", (N.SLEEP_DIFFICULTIES,),
          received=40, source=PARENT_SOURCE, consent=38,
          triage=Triage(S.NOT_ACCEPTED, 36, "Sleep difficulties from a medical condition the "
                        "paediatrician is treating; the GP will follow up.")),
    Story("Toby", "Kessler", 10, Y.YEAR_5, G.MALE, "990001", (N.WORRY,), received=50,
          closed=Closing(44, S.WITHDRAWN, "The family moved out of the area before consent "
                         "was given.")),
)  # fmt: skip
