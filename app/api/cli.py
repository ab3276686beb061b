"""``flask --app wsgi api-tokens create|list|revoke``: the tokens of the department's systems."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app import transactions
from app.api import tokens

api_tokens_group = AppGroup("api-tokens", help="Tokens for the API's complaints and statistics operations.")


@api_tokens_group.command("create")
@click.option("--name", required=True, help="The system that will use it.")
@click.option("--scope", "scopes", required=True, multiple=True, type=click.Choice(sorted(tokens.SCOPES)),
              help="What it may read (repeat for several).")
@click.option("--days", default=tokens.DEFAULT_DAYS, show_default=True, type=click.IntRange(1, tokens.MAX_DAYS),
              help="How long it is valid.")
def create(name: str, scopes: tuple[str, ...], days: int) -> None:
    """Create a token and print its secret once (only its SHA-256 is kept)."""
    try:
        token, secret = tokens.create(name=name, scopes=scopes, days=days)
    except tokens.TokenError as refused:
        raise click.ClickException(str(refused.message)) from None
    transactions.commit()
    click.echo(f"token {token.id} for {token.name!r}, scopes {token.scopes}, valid until {token.expires_at:%Y-%m-%d} "
               "UTC; it is shown only now:", err=True)
    click.echo(secret)


@api_tokens_group.command("list")
def list_tokens() -> None:
    for t in tokens.tokens():
        state = "revoked" if t.revoked_at else ("active" if t.active else "expired")
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
        click.echo(f"{t.id}\t{t.prefix}…\t{state}\t{' '.join(t.scopes)}\tuntil {t.expires_at:%Y-%m-%d}\t"
                   f"last used {used}\t{t.name}")


@api_tokens_group.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Refuse the token from now on."""
    try:
        tokens.revoke(token_id)
    except tokens.TokenError as refused:
        raise click.ClickException(str(refused.message)) from None
    transactions.commit()
    click.echo(f"revoked token {token_id}")
