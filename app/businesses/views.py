"""Portal pages for businesses and associations, and the staff registers of them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import transactions
from app.accounts.guards import STAFF, roles
from app.accounts.models import Role
from app.businesses import services
from app.businesses.forms import AssociationForm, BusinessForm
from app.businesses.models import BusinessKind
from app.businesses.reference import district_choices

bp = Blueprint("businesses", __name__)



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
def business_new():
    form = BusinessForm()
    if form.validate_on_submit():
        try:
            business = services.register_business(
                current_user, kind=BusinessKind(form.kind.data), number=form.number,
                name=form.name.data, address=form.address.data, district=form.district.data,
                sector=form.sector.data,
            )
        except services.NumberTaken:
            form.number_field.errors.append(_number_taken_message())
        else:
            transactions.commit()
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


@bp.route("/portal/associations/new", methods=["GET", "POST"])
@roles(Role.ENTREPRENEUR)
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
        except services.NumberTaken:
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
