"""web_sessions: the web app's signed-in sessions, kept server-side so a session can be ended (sign-out,
a disabled account, a new password, a changed role or district) and a copied cookie is refused after.
The cookie carries a random id; the store keeps only its SHA-256. Nothing existing changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('ended_why', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id_hash')
    )
    op.create_index(op.f('ix_web_sessions_username'), 'web_sessions', ['username'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_web_sessions_username'), table_name='web_sessions')
    op.drop_table('web_sessions')
