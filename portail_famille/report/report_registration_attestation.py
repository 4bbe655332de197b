from odoo import api, models


class ReportRegistrationAttestation(models.AbstractModel):
    _name = "report.portail_famille.report_registration_attestation"
    _description = "Registration Certificate Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        registrations = self.env["family.registration"].browse(docids)
        registrations._check_attestation_allowed()
        return {
            "doc_ids": docids,
            "doc_model": "family.registration",
            "docs": registrations,
        }
