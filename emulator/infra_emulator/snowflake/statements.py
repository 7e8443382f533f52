"""Registers every statement the emulator handles itself on the engine; the rest goes to fakesnow."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Engine


def register(engine: Engine) -> None:
    # Imported when registering: each module's handlers take the engine's Context, so engine.py imports this one.
    from . import (
        copy_statements,
        database_roles_statements,
        database_statements,
        external_table_statements,
        grants_statements,
        integration_statements,
        parameter_statements,
        pipe_statements,
        roles_statements,
        session_statements,
        stage_statements,
        table_statements,
        users_statements,
        warehouse_statements,
    )

    for module in (session_statements, users_statements, database_statements, table_statements, integration_statements,
                   warehouse_statements, stage_statements, copy_statements, pipe_statements,
                   external_table_statements, parameter_statements, roles_statements, grants_statements,
                   database_roles_statements):
        module.register(engine)
