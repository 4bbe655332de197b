from odoo import api, models

from ..models.family_registration import ACTIVE_STATES


class ReportChildSheet(models.AbstractModel):
    """The child sheet ("fiche enfant", seed 003): identity, school and class, the
    family's responsables, registrations, persons allowed to pick the child up, and the
    health sheet. The health sheet is only printed for who may read it: the child's
    family (the portal) and the health staff; other staff get the sheet without it,
    and a family may print it without it too ("fiche simple", data
    ``without_health``)."""

    _name = "report.portail_famille.report_child_sheet"
    _description = "Child Sheet Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        children = self.env["family.child"].browse(docids)
        children.check_access("read")
        health = {}
        Sheet = self.env["family.health.sheet"]
        # the data may take the health sheet out, never put it in: what the user reads
        # decides (record rules for the family, the health group for staff)
        if not (data or {}).get("without_health") and Sheet.has_access("read"):
            health = {
                sheet.child_id.id: sheet
                for sheet in Sheet.search([("child_id", "in", children.ids)])
            }
        return {
            "doc_ids": docids,
            "doc_model": "family.child",
            "docs": children,
            "health": health,
            "registrations": {
                child.id: child.registration_ids.filtered(
                    lambda r: r.state in ACTIVE_STATES
                ).sorted(lambda r: (r.date_start, r.id), reverse=True)
                for child in children
            },
            "authorized_persons": {
                child.id: child.household_id.authorized_person_ids.filtered(
                    lambda p, child=child: not p.child_ids or child in p.child_ids
                )
                for child in children
            },
        }
