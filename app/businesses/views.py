"""Portal pages for businesses and associations, and the staff registers of them."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import transactions
from app.accounts.guards import STAFF, roles
from app.accounts.login import safe_next
from app.accounts.models import Role
from app.businesses import editing, services
from app.businesses.forms import AssociationEditForm, AssociationForm, BusinessEditForm, BusinessForm
from app.businesses.models import BusinessKind
from app.businesses.reference import district_choices
from app.extensions import limiter

bp = Blueprint("businesses", __name__)


# Whether a BIN/IIN is registered is the one thing these forms must tell (a number belongs
# to one record). The answer is throttled per account and per address, counted only when
# it is "already registered", and audited (services.record_number_taken); only accounts
# with a confirmed e-mail address reach the forms (app.accounts.verification).
def _number_limit_account() -> str:
    return current_app.config["PBI_NUMBER_CHECK_LIMIT_PER_ACCOUNT"]


def _number_limit_ip() -> str:
    return current_app.config["PBI_NUMBER_CHECK_LIMIT_PER_IP"]


def _user_key() -> str:
    return f"number-check:{current_user.get_id()}"


def _number_taken(_response) -> bool:
    return bool(g.get("number_taken"))


def number_check_limits(view):
    view = limiter.limit(_number_limit_ip, methods=["POST"], deduct_when=_number_taken)(view)
    return limiter.limit(_number_limit_account, key_func=_user_key, methods=["POST"],
                         deduct_when=_number_taken)(view)


def _refuse_taken_number(number: str, registering: str) -> None:
    """Roll back the refused registration; audit and count the answer (the commit point)."""
    transactions.rollback()
    g.number_taken = True
    services.record_number_taken(current_user, number, registering=registering)
    transactions.commit()


def _number_taken_message() -> str:
    return _(
        "This number is already registered in PBI Registry. If you represent this "
        "organisation, contact the department to be added as its representative."
    )


@bp.route("/portal")
@roles(Role.ENTREPRENEUR)
def dashboard():
    return render_template(
        "businesses/dashboard.html",
        businesses=services.businesses_of(current_user),
        associations=services.associations_of(current_user),
    )


@bp.route("/portal/businesses/new", methods=["GET", "POST"])
@roles(Role.ENTREPRENEUR)
@number_check_limits
def business_new():
    form = BusinessForm()
    if form.validate_on_submit():
        try:
            business = services.register_business(
                current_user, kind=BusinessKind(form.kind.data), number=form.number,
                name=form.name.data, address=form.address.data, district=form.district.data,
                sector=form.sector.data,
            )
        except services.NumberTaken as exc:
            _refuse_taken_number(str(exc), "business")
            form.number_field.errors.append(_number_taken_message())
        else:
            transactions.commit()
            back_to = safe_next(request.args.get("next"))  # the complaint form sent the user here
            if back_to:
                flash(_("The business has been registered. You can now file your complaint on its behalf."),
                      "success")
                return redirect(back_to)
            flash(_("The business has been registered."), "success")
            return redirect(url_for("businesses.business_detail", business_id=business.id))
    return render_template("businesses/business_form.html", form=form), 400 if form.errors else 200


@bp.route("/portal/businesses/<int:business_id>")
@roles(Role.ENTREPRENEUR)
def business_detail(business_id: int):
    try:
        business = services.business_for(current_user, business_id)
    except services.NotFound:
        abort(404)
    return render_template("businesses/business_detail.html", business=business)


@bp.route("/portal/businesses/<int:business_id>/edit", methods=["GET", "POST"])
@roles(Role.ENTREPRENEUR)
def business_edit(business_id: int):
    try:
        business = editing.business_to_edit(current_user, business_id)
    except services.NotFound:
        abort(404)
    form = BusinessEditForm(obj=business)
    if form.validate_on_submit():
        # Only the form's fields are read: a BIN/IIN or a type in the request is ignored.
        changed = editing.edit_business(current_user, business_id, name=form.name.data,
                                        address=form.address.data, district=form.district.data,
                                        sector=form.sector.data)
        transactions.commit()
        flash(_("The changes to the business have been saved.") if changed
              else _("Nothing was changed in the business."), "success" if changed else "info")
        return redirect(url_for("businesses.business_detail", business_id=business_id))
    return render_template("businesses/business_edit.html", form=form, business=business), \
        400 if form.errors else 200


@bp.route("/portal/associations/new", methods=["GET", "POST"])
@roles(Role.ENTREPRENEUR)
@number_check_limits
def association_new():
    form = AssociationForm()
    if form.validate_on_submit():
        try:
            association = services.register_association(
                current_user, bin=form.bin.data, name_kk=form.name_kk.data,
                name_ru=form.name_ru.data, members_count=form.members_count.data,
                sectors=form.sectors.data, head_name=form.head_name.data,
                head_position=form.head_position.data,
            )
        except services.NumberTaken as exc:
            _refuse_taken_number(str(exc), "association")
            form.bin.errors.append(_number_taken_message())
        else:
            transactions.commit()
            flash(_("The association has been registered."), "success")
            return redirect(url_for("businesses.association_detail", association_id=association.id))
    return render_template("businesses/association_form.html", form=form), 400 if form.errors else 200


@bp.route("/portal/associations/<int:association_id>")
@roles(Role.ENTREPRENEUR)
def association_detail(association_id: int):
    try:
        association = services.association_for(current_user, association_id)
    except services.NotFound:
        abort(404)
    return render_template("businesses/association_detail.html", association=association)


@bp.route("/portal/associations/<int:association_id>/edit", methods=["GET", "POST"])
@roles(Role.ENTREPRENEUR)
def association_edit(association_id: int):
    try:
        association = editing.association_to_edit(current_user, association_id)
    except services.NotFound:
        abort(404)
    form = AssociationEditForm(data={
        "name_kk": association.name_kk, "name_ru": association.name_ru, "members_count": association.members_count,
        "sectors": association.sector_codes, "head_name": association.head_name,
        "head_position": association.head_position,
    })
    if form.validate_on_submit():
        # Only the form's fields are read: a BIN in the request is ignored.
        changed = editing.edit_association(
            current_user, association_id, name_kk=form.name_kk.data, name_ru=form.name_ru.data,
            members_count=form.members_count.data, sectors=form.sectors.data,
            head_name=form.head_name.data, head_position=form.head_position.data,
        )
        transactions.commit()
        flash(_("The changes to the association have been saved.") if changed
              else _("Nothing was changed in the association."), "success" if changed else "info")
        return redirect(url_for("businesses.association_detail", association_id=association_id))
    return render_template("businesses/association_edit.html", form=form, association=association), \
        400 if form.errors else 200


@bp.route("/staff/businesses")
@roles(*STAFF)
def staff_businesses():
    query = request.args.get("q", "")[:100]
    district = request.args.get("district") or None
    return render_template(
        "businesses/staff_businesses.html",
        businesses=services.search_businesses(query, district=district),
        query=query, district=district, districts=district_choices(),
    )


@bp.route("/staff/associations")
@roles(*STAFF)
def staff_associations():
    query = request.args.get("q", "")[:100]
    return render_template(
        "businesses/staff_associations.html",
        associations=services.search_associations(query), query=query,
    )
