"""A synthetic complaint's timeline through the workflow: a part of :class:`.generate.Generator`.
"""

from __future__ import annotations

from datetime import date

from app.demo_scale import vocabulary as v
from app.demo_scale.rows import (
    ANSWER_DELAY,
    DECISION,
    EVIDENCE_COUNT,
    OUTCOME,
    REVIEW_DELAY,
    TAKE_DELAY,
    Staff,
    add_months,
    between,
    one,
    pick,
)
from app.demo_scale.world import Owner

# A decision replaces every field of an earlier one (app.complaints.case_actions._in_force).
NO_DECISION = {"outcome": None, "decision_text": None, "forwarded_to": None, "rejection_reason": None}


class ComplaintTimeline:
    """The events, messages and files of one complaint, cut at "now"."""

    def timeline(self, received_us: int, r: int, due_index: int, forwarding_index: int, registration_day: int,
                 owner: Owner) -> dict:
        """Everything that would happen to the complaint, in order (cut at "now" by the caller).

        Events: (at, action, actor, from, to, comment, detail, complaint fields it sets).
        Messages: (at, author, body, internal, evidence file names, the event it belongs to or None).
        """
        rng, s, clock = self.rng, self.s, self.clock
        events: list[tuple] = []
        messages: list[tuple] = []
        files = [one(rng, v.EVIDENCE_NAMES) for _ in range(EVIDENCE_COUNT(rng))]
        plain = Staff(owner.id, owner.email, "")
        events.append((received_us, "file", plain, None, "registered", None, None, None))
        status = "registered"

        def move(at: int, action: str, actor: Staff, target: str | None = None, comment: str | None = None,
                 detail: str | None = None, effect: dict | None = None) -> tuple:
            nonlocal status
            source = status
            status = target or status
            event = (at, action, actor, source, status, comment, detail, effect)
            events.append(event)
            return event

        def day_of(at: int) -> int:
            return clock.index_on_or_before(clock.local_ordinal(at))

        officer = pick(rng, s.officers, self.officer_weights)
        supervisor = one(rng, s.supervisors)
        language = 1 if rng.random() < 0.45 else 0
        take_day = r + TAKE_DELAY(rng)
        t = self.on_workday(take_day, received_us)
        if rng.random() < 0.8:
            move(t, "take", officer, "assigned", effect={"officer": officer.id})
        else:
            move(t, "assign", supervisor, "assigned", officer.full_name, effect={"officer": officer.id})
        handler = officer
        stall = between(rng, 2, 4) if rng.random() < 0.002 else None

        def decide(at: int, kind: str, by: Staff) -> None:
            if kind == "resolve":
                outcome = OUTCOME(rng)
                answer = one(rng, v.RESOLUTIONS[outcome])
                move(at, "resolve", by, "resolved", answer, outcome, {**NO_DECISION, "outcome": outcome,
                                                                       "decision_text": answer})
            elif kind == "forward":
                to = one(rng, v.FORWARD_TO)
                move(at, "forward", by, "forwarded", one(rng, v.FORWARD_NOTES), to, {**NO_DECISION, "forwarded_to": to})
            else:
                reason = one(rng, v.REJECTIONS)
                move(at, "reject", by, "rejected", reason, None, {**NO_DECISION, "rejection_reason": reason})

        path = rng.random()
        decided_kind = None
        if path < 0.06:
            at = self.on_workday(take_day + between(rng, 0, 2), t)
            decide(at, "reject", handler)
            decided_kind = "reject"
        else:
            review_day = take_day + REVIEW_DELAY(rng)
            t = self.on_workday(review_day, t)
            move(t, "start_review", handler, "in_review")
            if path < 0.23:
                last = forwarding_index if rng.random() < 0.85 else forwarding_index + between(rng, 1, 5)
                at = self.on_workday(between(rng, review_day, max(review_day, last)), t)
                decide(at, "forward", handler)
                decided_kind = "forward"
            else:
                deadline = due_index
                day = review_day
                if rng.random() < 0.05 and due_index - 1 > review_day + 1:
                    day = between(rng, review_day + 1, due_index - 1)
                    t = self.on_workday(day, t)
                    due_date = clock.workday(due_index)
                    limit = add_months(date.fromordinal(registration_day), 2).toordinal()
                    until = between(rng, min(due_date + 5, limit), limit)
                    reason = one(rng, v.EXTENSIONS)
                    move(t, "extend", supervisor, None, reason,
                         effect={"extended_until": until, "extension_reason": reason})
                    deadline = clock.index_on_or_before(until)
                if rng.random() < 0.25:
                    day = min(day + between(rng, 1, 4), max(deadline - 1, day + 1))
                    t = self.on_workday(day, t)
                    question = one(rng, v.QUESTIONS[language])
                    event = move(t, "request_info", handler, "info_requested", question)
                    messages.append((t, handler, question, False, (), event))
                    # the complainant answers (a case can be decided only in review)
                    day += ANSWER_DELAY(rng)
                    t = self.on_workday(day, t)
                    attachments = tuple(one(rng, v.EVIDENCE_NAMES) for _ in range(one(rng, (0, 1, 1, 2))))
                    event = move(t, "provide_info", plain, "in_review")
                    messages.append((t, plain, one(rng, v.ANSWERS[language]), False, attachments, event))
                if rng.random() < 0.2:
                    note_at = self.on_workday(between(rng, review_day, max(day, review_day + 1)), t)
                    messages.append((note_at, handler, one(rng, v.NOTES), True, (), None))
                if rng.random() < 0.1:
                    follow_up = self.local_time(clock.workday(day) + between(rng, 0, 4), t, start_h=8, hours=14)
                    attachments = tuple(one(rng, v.EVIDENCE_NAMES) for _ in range(rng.random() < 0.3))
                    messages.append((follow_up, plain, one(rng, v.FOLLOW_UPS[language]), False, attachments, None))
                decision_day = between(rng, min(day + 1, deadline), max(deadline, day + 1))
                if rng.random() < 0.04:
                    decision_day = deadline + between(rng, 1, 10)
                decided_kind = DECISION(rng)
                decide(self.on_workday(decision_day, t), decided_kind, handler)
        t = events[-1][0]
        if decided_kind == "resolve":
            outcome = events[-1][7]["outcome"]
            if rng.random() < (0.07 if outcome != "confirmed" else 0.02):
                appealed = self.local_time(clock.local_ordinal(t) + between(rng, 1, s.appeal_days - 1), t,
                                           start_h=8, hours=14)
                reason = one(rng, v.APPEALS)
                move(appealed, "appeal", plain, "appealed", reason,
                     effect={"appeal_reason": reason, "appealed_at": appealed})
                day = day_of(appealed) + between(rng, 1, 4)
                t = self.on_workday(day, appealed)
                move(t, "review_appeal", supervisor, "in_review", effect={"officer": supervisor.id})
                t = self.on_workday(day + between(rng, 2, 10), t)
                decide(t, "resolve", supervisor)
                if rng.random() < 0.7:
                    t = self.local_time(clock.local_ordinal(t) + between(rng, 1, 10), t)
                    move(t, "close", supervisor, "closed", effect={"closed_at": t})
            elif rng.random() < 0.8:
                t = self.local_time(clock.local_ordinal(t) + s.appeal_days + between(rng, 1, 45), t)
                move(t, "close", handler, "closed", effect={"closed_at": t})
        elif decided_kind in ("forward", "reject") and rng.random() < 0.7:
            t = self.local_time(clock.local_ordinal(t) + between(rng, 1, 10), t)
            move(t, "close", handler, "closed", effect={"closed_at": t})
        messages.sort(key=lambda message: message[0])
        return {"events": events, "messages": messages, "files": files, "stall": stall}
