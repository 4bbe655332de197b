# the upload mixin first: models of the list below inherit it
from . import family_upload_mixin

# isort: split
from . import (
    family_absence,
    family_activity,
    family_activity_day,
    family_activity_unit,
    family_authorized_person,
    family_booking_cart,
    family_booking_cart_line,
    family_change_request,
    family_child,
    family_closure,
    family_document,
    family_health_sheet,
    family_household,
    family_message,
    family_news,
    family_period,
    family_public_document,
    family_quotient,
    family_registration,
    family_reservation,
    family_school_year,
    family_site,
    family_tariff,
    family_vaccine,
    family_weekly_template,
    family_weekly_template_line,
    res_partner,
    res_users,
)
