"""The system of record (yinhuan.store): inspections, findings, hazards and their history, kept over a
campaign in SQLite (the embedded default) or PostgreSQL (a bureau's shared server).

Layers, each a small module:
  db.py        where the store is (--db), the engine/session factory, init/upgrade/status (Alembic)
  models.py    the tables (SQLAlchemy 2 declarative)
  events.py    the append-only, hash-chained event log; every change goes through `record`
  users.py     people who act on the store (inspector / admin / viewer) and their passwords
  service.py   what the CLI and the web app call: one function per action

The rule engine (yinhuan.evaluate, yinhuan.checks) never imports this package.
"""
