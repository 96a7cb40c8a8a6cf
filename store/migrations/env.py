"""Alembic environment shipped inside the package: the engine comes from yinhuan.store.db (never an
alembic.ini), so migrations run the same from any folder."""
from alembic import context

from yinhuan.store.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
