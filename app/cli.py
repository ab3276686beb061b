"""Command-line interface: ``flask --app wsgi init | demo | users ...``."""

from __future__ import annotations

import os
import secrets

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from app import demo
from app.accounts import services as accounts
from app.accounts.models import STAFF_ROLES, Role
from app.extensions import db

CONFIG_TEMPLATE = '''\
# Written by `flask --app wsgi init` on first run. Keep this file private.
SECRET_KEY = {secret!r}
# "development" serves over plain HTTP on your machine (session cookie without the
# Secure flag). Use "production" behind HTTPS.
PBI_ENV = {env!r}
'''


def write_instance_config(instance_path: str, *, env: str) -> bool:
    """Write instance/config.py with a fresh secret unless it exists. True if written."""
    path = os.path.join(instance_path, "config.py")
    if os.path.exists(path):
        return False
    os.makedirs(instance_path, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(CONFIG_TEMPLATE.format(secret=secrets.token_hex(32), env=env))
    return True


def print_logins(logins: list[demo.DemoLogin]) -> None:
    click.echo(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
    for login in logins:
        click.echo(f"  {login.role:<13} {login.email}")


@click.command("init")
@with_appcontext
@click.option("--production", is_flag=True,
              help="Write a production config (HTTPS cookies) and create no demo data.")
def init_command(production: bool) -> None:
    """Set up this instance: config with a random secret, database, demo data. Idempotent."""
    app = current_app
    if write_instance_config(app.instance_path, env="production" if production else "development"):
        click.echo(f"Wrote {os.path.join(app.instance_path, 'config.py')} with a new SECRET_KEY.")
    else:
        click.echo("instance/config.py exists; kept.")
    upgrade()
    click.echo("Database is up to date.")
    if production:
        return
    if demo.exists():
        click.echo("Demo data exists; kept (`flask --app wsgi demo` recreates it).")
        print_logins(demo.logins())
        return
    logins = demo.create()
    db.session.commit()
    print_logins(logins)


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Recreate the demo data (removes and re-adds only the demo records)."""
    logins = demo.recreate()
    db.session.commit()
    print_logins(logins)


@click.group("users", cls=AppGroup)
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.option("--role", type=click.Choice([r.value for r in STAFF_ROLES]), required=True)
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--phone", default="")
@click.option("--password", "ask_password", is_flag=True,
              help="Prompt for the password instead of generating one.")
def users_create(role: str, email: str, full_name: str, phone: str, ask_password: bool) -> None:
    """Create a staff account; the generated password is printed once."""
    password = None
    if ask_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, generated = accounts.create_staff(
            email=email, role=Role(role), full_name=full_name, phone=phone, password=password
        )
    except accounts.EmailTaken:
        raise click.ClickException(f"an account with {email} already exists") from None
    except accounts.WeakPassword as exc:
        raise click.ClickException(f"password refused: {exc.problem.value}") from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")
    if generated:
        click.echo(f"Password (shown once): {generated}")


@users_group.command("list")
def users_list() -> None:
    """List accounts."""
    for user in accounts.search_users():
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.id:>5}  {user.role:<13} {state:<12} {user.email}")


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(users_group)
