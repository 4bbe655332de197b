from odoo import api, models


class ReportPaymentAttestation(models.AbstractModel):
    _name = "report.portail_famille.report_payment_attestation"
    _description = "Payment Attestation Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        households = self.env["family.household"].browse(docids)
        households.check_access("read")
        year = households._check_attestation_year((data or {}).get("year", ""))
        return {
            "doc_ids": docids,
            "doc_model": "family.household",
            "docs": households,
            "year": year,
            "attestations": {
                household.id: household._payment_attestation_values(year)
                for household in households
            },
        }
