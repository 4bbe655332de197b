from odoo import _, fields, models
from odoo.exceptions import UserError

REVIEW_ACTIVITY = "portail_famille.mail_activity_type_change_request"


class FamilyReviewMixin(models.AbstractModel):
    """A request from a family that staff review (a child to add, a new family's
    pre-registration): pending until an agent validates it or refuses it with a reason,
    on the to-do list of the company's family-file responsible meanwhile. Parents read
    their requests at most: validating and refusing need the write right."""

    _name = "family.review.mixin"
    _description = "Request Reviewed by Staff"
    _inherit = ["mail.thread", "mail.activity.mixin"]

    state = fields.Selection(
        [
            ("pending", "To validate"),
            ("validated", "Validated"),
            ("refused", "Refused"),
        ],
        default="pending",
        required=True,
        tracking=True,
        index=True,
    )
    refusal_reason = fields.Text(tracking=True)

    def _schedule_review(self):
        """Put these requests on the to-do list of the family-file responsible."""
        user = self.env.company.sudo().family_file_user_id or self.env.ref(
            "base.user_admin", raise_if_not_found=False
        )
        for request in self:
            request.activity_schedule(
                REVIEW_ACTIVITY, user_id=user.id if user else self.env.uid
            )

    def _check_pending(self):
        # staff only: the portal group may read its requests, never write them
        self.check_access("write")
        if self.filtered(lambda r: r.state != "pending"):
            raise UserError(_("This request is already processed."))

    def _close_review(self, vals):
        """Write the outcome ``vals`` of the review and take it off the to-do list."""
        self.write(vals)
        self.activity_unlink([REVIEW_ACTIVITY])

    def _refuse(self, reason):
        """Refuse these requests for ``reason``; without a reason, the wizard asking
        for it (an action to return), else None."""
        self._check_pending()
        if not reason:
            return self.env["family.refusal.wizard"]._open_for(self)
        self._close_review({"state": "refused", "refusal_reason": reason})
        return None
