"""Command-line interface: ``flask --app wsgi init | demo | users ...``."""

from __future__ import annotations

import os
import secrets

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from app import demo, hygiene, transactions
from app.accounts import services as accounts
from app.accounts import two_factor
from app.accounts.models import STAFF_ROLES, Role
from app.agreements import cli as agreements_cli
from app.api.cli import api_tokens_group
from app.audit.cli import audit_group
from app.backup.cli import COMMANDS as backup_commands
from app.complaints.cli import deadlines_group
from app.config import ConfigError, apply_environment
from app.demo_scale import scale_command
from app.documents import cli as documents_cli
from app.documents.runtime import keystore
from app.notifications.cli import outbox_group
from app.reporting.cli import report_group

CONFIG_TEMPLATE = '''\
# Written by `flask --app wsgi init` on first run. Keep this file private.
SECRET_KEY = {secret!r}
# "development" serves over plain HTTP on your machine (session cookie without the
# Secure flag). Use "production" behind HTTPS.
PBI_ENV = {env!r}
'''

KEY_CONFIG_TEMPLATE = '''
# Development only: opens the department's keys in instance/keys/. In production, set
# PBI_KEY_PASSPHRASE in the environment instead and keep it out of this folder.
PBI_KEY_PASSPHRASE = {passphrase!r}
'''


def write_instance_config(instance_path: str, *, env: str) -> bool:
    """Write instance/config.py with a fresh secret unless it exists. True if written."""
    path = os.path.join(instance_path, "config.py")
    if os.path.exists(path):
        return False
    os.makedirs(instance_path, mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(CONFIG_TEMPLATE.format(secret=secrets.token_hex(32), env=env))
    return True


def ensure_development_passphrase(app: Flask) -> None:
    """In development, generate the key passphrase into instance/config.py once."""
    if app.config.get("PBI_KEY_PASSPHRASE"):
        return
    passphrase = secrets.token_urlsafe(32)
    with open(os.path.join(app.instance_path, "config.py"), "a", encoding="utf-8") as handle:
        handle.write(KEY_CONFIG_TEMPLATE.format(passphrase=passphrase))
    app.config["PBI_KEY_PASSPHRASE"] = passphrase
    click.echo("Wrote a generated PBI_KEY_PASSPHRASE to instance/config.py (development).")


def print_logins(logins: list[demo.DemoLogin]) -> None:
    click.echo(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
    for login in logins:
        click.echo(f"  {login.role:<13} {login.email}")
    click.echo(f"Staff two-factor secret (TOTP, development demo only): {demo.DEMO_TOTP_SECRET}")


@click.command("init")
@with_appcontext
@click.option("--production", is_flag=True,
              help="Write a production config (HTTPS cookies) and create no demo data.")
@click.option("--history", type=click.IntRange(min=0), default=demo.DEMO_HISTORY, show_default=True,
              help="Fictitious past complaints added with the demo (the first time only), so that the "
                   "statistics have figures; 0 for none.")
def init_command(production: bool, history: int) -> None:
    """Set up this instance: config with a random secret, database, demo data. Idempotent."""
    app = current_app._get_current_object()
    if write_instance_config(app.instance_path, env="production" if production else "development"):
        click.echo(f"Wrote {os.path.join(app.instance_path, 'config.py')} with a new SECRET_KEY.")
        app.config.from_pyfile("config.py")
        apply_environment(app.config, os.environ)  # the environment still wins
    else:
        click.echo("instance/config.py exists; kept.")
    if app.config["PBI_ENV"] == "development":
        ensure_development_passphrase(app)
    upgrade()
    click.echo("Database is up to date.")
    try:
        created = keystore().initialize()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Created the department's root CA and signing certificate in instance/keys/."
               if created else "Department keys exist; kept.")
    restricted = hygiene.restrict_instance(app.instance_path)
    if restricted:
        click.echo(f"Made {restricted} files and folders in instance/ private (0600/0700).")
    if production:
        return
    if demo.exists():
        click.echo("Demo data exists; kept (`flask --app wsgi demo` recreates it).")
        print_logins(demo.logins())
        return
    if history:
        click.echo(f"Adding a history of {history:,} fictitious complaints (demo scale, @scale.pbi.kz) …")
    print_logins(demo.create(history=history))


@click.group("demo", invoke_without_command=True)
@with_appcontext
@click.pass_context
def demo_command(ctx: click.Context) -> None:
    """Recreate the demo data (removes and re-adds only the demo records); `demo scale` adds volume."""
    if ctx.invoked_subcommand is None:
        print_logins(demo.recreate())


demo_command.add_command(scale_command)


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
    transactions.commit()
    click.echo(f"Created {user.role} {user.email}.")
    if generated:
        click.echo(f"Password (shown once): {generated}")


@users_group.command("list")
def users_list() -> None:
    """List accounts."""
    for user in accounts.search_users():
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.id:>5}  {user.role:<13} {state:<12} {user.email}")


@users_group.command("reset-2fa")
@click.option("--email", required=True)
def users_reset_two_factor(email: str) -> None:
    """Remove an account's two-factor sign-in (it enrols again at the next sign-in); audited."""
    user = accounts.find_by_email(email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    two_factor.reset(user, actor=None, actor_label=f"command line ({os.environ.get('USER', 'unknown')})")
    transactions.commit()
    click.echo(f"Two-factor sign-in of {user.email} has been reset; their sessions have ended.")


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(users_group)
    app.cli.add_command(documents_cli.keys_group)
    app.cli.add_command(documents_cli.documents_group)
    app.cli.add_command(agreements_cli.agreements_group)
    app.cli.add_command(agreements_cli.trust_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(outbox_group)
    app.cli.add_command(deadlines_group)
    app.cli.add_command(report_group)
    app.cli.add_command(api_tokens_group)
    for group in backup_commands:  # backup, retention, storage
        app.cli.add_command(group)
