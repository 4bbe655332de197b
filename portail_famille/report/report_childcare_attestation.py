from odoo import api, models


class ReportChildcareAttestation(models.AbstractModel):
    _name = "report.portail_famille.report_childcare_attestation"
    _description = "Childcare Costs Attestation Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        children = self.env["family.child"].browse(docids)
        children.check_access("read")
        year = self.env["family.household"]._check_attestation_year(
            (data or {}).get("year", "")
        )
        children._check_childcare_attestation(year)
        return {
            "doc_ids": docids,
            "doc_model": "family.child",
            "docs": children,
            "year": year,
            "attestations": {
                child.id: child._childcare_attestation_values(year)
                for child in children
            },
        }
