"""The synthetic associations and their agreements: a part of :class:`.generate.Generator`.
"""

from __future__ import annotations

from datetime import date, datetime

from app.demo_scale import vocabulary as v
from app.demo_scale.rows import (
    DAY_US,
    HOUR_US,
    Staff,
    between,
    one,
    pick,
    to_us,
    transition_details,
    verification_code,
)
from app.demo_scale.world import Cover, valid_bin
from app.timeutil import add_months as term_end


class AssociationRows:
    """Associations, their representatives, authority proofs and one agreement each."""

    def plan_associations(self, owners) -> None:
        """Each association's agreement, planned: ids, times, status, number, and what it covers.

        Only this is done up front (it orders and numbers the agreements, and the complaints
        need to know which are in force); the rows are made by :meth:`association_rows`, a
        slice with every batch of complaints.
        """
        rng, s, clock = self.rng, self.s, self.clock
        count = s.associations
        shared = min(count // 3, len(owners) // 8)  # business owners who also represent an association
        reps: list[tuple[int, str] | None] = [(owner[0], owner[1]) for owner in rng.sample(owners, shared)]
        reps += [None] * (count - shared)  # a new entrepreneur, made with the rows
        rng.shuffle(reps)
        plans = []
        for index, rep in enumerate(reps):
            roll = rng.random()
            if roll < 0.04:  # still being signed
                created = self.past_us(self.as_of_us - 60 * DAY_US, self.as_of_us - HOUR_US)
                status = "draft" if roll < 0.015 else "signed_by_association"
            elif roll < 0.79:  # countersigned within the term: in force unless terminated
                created = self.past_us(self.as_of_us - (s.term_months - 1) * 30 * DAY_US, self.as_of_us - 20 * DAY_US)
                status = "active"
            else:
                created = self.past_us(self.start_us, self.as_of_us - (s.term_months + 1) * 31 * DAY_US)
                status = "active"  # expires below
            plans.append((created, index, rep, status))
        plans.sort()
        items, countersigned = [], []
        for created, _index, rep, status in plans:
            registered = created - int((1 + rng.random() * 20) * DAY_US)
            uploaded = registered + int(rng.random() * DAY_US)
            reviewed = uploaded + int((2 + rng.random() * 70) * HOUR_US)
            item = {"association": self.new_id("associations"), "id": self.new_id("agreements"), "rep": rep,
                    "registered": registered, "uploaded": uploaded, "reviewed": reviewed,
                    "created": max(created, reviewed + HOUR_US), "status": "draft"}
            if status != "draft":
                item["signed"] = item["created"] + int((0.2 + rng.random() * 5) * DAY_US)
                item["status"] = "signed_by_association"
                if status == "active" and item["signed"] < self.as_of_us:
                    day = clock.registration_index(clock.local_ordinal(item["signed"]) + 1) + between(rng, 0, 8)
                    at = self.on_workday(day, item["signed"])
                    if at < self.as_of_us:
                        item["countersigned"] = at
                        countersigned.append(item)
            items.append(item)
        # countersigning order decides the numbers
        countersigned.sort(key=lambda item: item["countersigned"])
        for item in countersigned:
            at = item["countersigned"]
            local = date.fromordinal(clock.local_ordinal(at))
            item["number"] = self.number("agreement", local.year)
            item["status"] = "active"
            item["valid_from"] = local
            item["valid_until"] = term_end(local, s.term_months)
            end_us = None
            if rng.random() < 0.06:
                ended = self.past_us(at + 10 * DAY_US, min(self.as_of_us, to_us(datetime.combine(
                    item["valid_until"], datetime.min.time()))))
                if ended < self.as_of_us:
                    item.update(status="terminated", ended=ended, reason=one(rng, v.TERMINATIONS))
                    end_us = ended
            if item["status"] == "active" and item["valid_until"].toordinal() < self.today:
                # the daily `agreements expire` job, the morning after the last day
                expired = clock.to_utc(item["valid_until"].toordinal() + 1, 7 * HOUR_US)
                if expired <= self.as_of_us:
                    item.update(status="expired", ended=expired)
                    end_us = expired
            if item["rep"] is not None:
                self.covers.setdefault(item["rep"][0], []).append(
                    Cover(item["association"], at, end_us if end_us is not None else 1 << 62))
        self.association_plan = items
        self.associations_made = 0

    def association_rows(self, count: int, out: dict[str, list]) -> None:
        """The rows of the next ``count`` planned associations (and their agreements) into ``out``."""
        rng, s = self.rng, self.s
        items = self.association_plan[self.associations_made:self.associations_made + count]
        self.associations_made += len(items)
        for item in items:
            if item["rep"] is None:
                made = self.people(1, out["users"])[0]
                item["rep"] = (made[0], made[1])
            rep_id = item["rep"][0]
            association_id = item["association"]
            sectors = rng.sample(list(v.SECTOR_WEIGHTS), one(rng, (1, 1, 1, 2, 2, 3)))
            word = one(rng, v.NAME_WORDS)
            district = one(rng, list(v.DISTRICTS))
            regional = rng.random() < 0.4
            where_kk = v.REGION_KK if regional else v.DISTRICTS[district][0] + "ның"
            where_ru = v.REGION_RU if regional else v.DISTRICTS[district][1]
            name_kk = f"«{word}» {where_kk} {v.SECTOR_KK[sectors[0]]} қауымдастығы"
            name_ru = f"Ассоциация {v.SECTOR_RU[sectors[0]]} «{word}» {where_ru}"
            out["associations"].append((
                association_id, valid_bin(rng, self.taken), name_kk, name_ru, int(5 + rng.paretovariate(1.2) * 20),
                ",".join(sectors), v.person(rng)[0], one(rng, v.HEAD_POSITIONS), self.text(item["registered"]),
                rep_id))
            out["association_representatives"].append((association_id, rep_id))
            officer = pick(rng, s.officers, self.officer_weights)
            proof_id = self.new_id("authority_proofs")
            out["authority_proofs"].append((
                proof_id, association_id, rep_id, self.text(item["uploaded"]), s.pdf_sha256, "pdf",
                one(rng, ("доверенность.pdf", "бұйрық.pdf", "приказ-о-назначении.pdf")), "accepted", officer.id,
                self.text(item["reviewed"]), None))
            item["audit"] = [(item["reviewed"], 0, officer.id, officer.email, "agreement.authority_decision",
                              "association", str(association_id),
                              f'{{"decision":"accepted","proof":{proof_id},"reason":null}}')]
            out["agreements"].append(self._agreement_rows(item, one(rng, s.supervisors), out))
            self.summary.agreement_statuses[item["status"]] += 1
        # their audit rows, in time order
        entries = sorted(entry for item in items for entry in item.pop("audit"))
        for at, _order, actor_id, label, action, subject_type, subject_id, details in entries:
            out["audit_log"].append(self.chain.row(self.stamp(at), actor_id, label, action, subject_type,
                                                   subject_id, details))

    def _agreement_rows(self, item: dict, supervisor: Staff, out: dict[str, list]) -> tuple:
        s, rng = self.s, self.rng
        rep_id, rep_email = item["rep"]
        version = 1
        events = []
        audit = item["audit"]

        def event(at: int, actor: tuple[int | None, str], action: str, source: str, target: str,
                  subject: str, comment: str | None = None) -> None:
            events.append((self.new_id("agreement_events"), item["id"], actor[0], self.text(at), action, source,
                           target, comment))
            audit.append((at, len(audit), actor[0], actor[1], "agreement.transition", "agreement", subject,
                          transition_details(action, source, target)))

        signed = item.get("signed")
        if signed is not None and signed < self.as_of_us:
            event(signed, (rep_id, rep_email), "sign", "draft", "signed_by_association", str(item["id"]))
            version += 1
        else:
            signed = None
        document_id = None
        countersigned = item.get("countersigned")
        if countersigned is not None:
            event(countersigned, (supervisor.id, supervisor.email), "countersign", "signed_by_association", "active",
                  item["number"])
            version += 1
            document_id = self.new_id("documents")
            out["documents"].append((
                document_id, self.number("document", self.clock.utc_year(countersigned)), "agreement",
                f"agreement:{item['id']}", "agreement", item["id"], item["number"], verification_code(rng),
                self.text(countersigned)))
            if item["status"] == "terminated":
                event(item["ended"], (supervisor.id, supervisor.email), "terminate", "active", "terminated",
                      item["number"], item["reason"])
                version += 1
            elif item["status"] == "expired":
                event(item["ended"], (None, "system"), "expire", "active", "expired", item["number"])
                version += 1
        out["agreement_events"].extend(events)
        status = item["status"] if signed is not None else "draft"
        pdf = s.pdf_sha256 if signed is not None else None
        row = (item["id"], version, item.get("number"), item["association"], status, s.text_slug, s.text_version,
               s.text_sha256, rep_id, self.text(item["created"]), pdf,
               rep_id if signed else None, self.text(signed) if signed else None, "password" if signed else None,
               pdf, supervisor.id if countersigned else None, self.text(countersigned) if countersigned else None,
               item["valid_from"].isoformat() if countersigned else None,
               item["valid_until"].isoformat() if countersigned else None,
               self.text(item["ended"]) if item.get("ended") else None, item.get("reason"), document_id)
        item["status"] = status
        return row

    # --- complaints ------------------------------------------------------------------------
