"""The store as the first SQLite release had it, plus what came since (a session's client, an FAQ pair's
source and one candidate per answer) and the pointer to the index version every machine serves.

A file created before migrations existed already has some of these tables: what is missing is added, what
is there is kept.

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _table(name: str, *columns: sa.Column, **kwargs) -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table(name):
        op.create_table(name, *columns, **kwargs)
        return
    have = {c["name"] for c in inspector.get_columns(name)}
    for column in columns:
        if column.name not in have:
            op.add_column(name, column)


def _index(name: str, table: str, columns: list[str], **kwargs) -> None:
    if name not in {i["name"] for i in sa.inspect(op.get_bind()).get_indexes(table)}:
        op.create_index(name, table, columns, **kwargs)


def upgrade() -> None:
    text, real = sa.Text, sa.Float
    _table("sessions", sa.Column("id", text, primary_key=True), sa.Column("created", real, nullable=False),
           sa.Column("last_seen", real, nullable=False), sa.Column("region", text), sa.Column("client", text))
    _table("answers", sa.Column("id", text, primary_key=True), sa.Column("session_id", text),
           sa.Column("channel", text, nullable=False), sa.Column("question", text, nullable=False),
           sa.Column("rewritten", text), sa.Column("answer", text, nullable=False),
           sa.Column("grounded", sa.Integer, nullable=False), sa.Column("confidence", real, nullable=False),
           sa.Column("citations", text, nullable=False), sa.Column("created", real, nullable=False))
    _index("answers_by_session", "answers", ["session_id", "created"])
    _table("feedback", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
           sa.Column("answer_id", text, nullable=False), sa.Column("rating", text, nullable=False),
           sa.Column("comment", text), sa.Column("corrected_answer", text), sa.Column("created", real, nullable=False),
           sqlite_autoincrement=True)
    _table("faq", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
           sa.Column("question", text, nullable=False), sa.Column("answer", text, nullable=False),
           sa.Column("basis", text, nullable=False), sa.Column("status", text, nullable=False),
           sa.Column("source_answer_id", text), sa.Column("created", real, nullable=False), sa.Column("reviewed", real),
           sa.Column("source", text), sqlite_autoincrement=True)
    duplicates = op.get_bind().execute(sa.text(
        "SELECT source_answer_id FROM faq WHERE source_answer_id IS NOT NULL GROUP BY source_answer_id "
        "HAVING COUNT(*) > 1")).first()
    if duplicates is None:  # an old file may have several per answer: the store still refuses new ones there
        where = sa.text("source_answer_id IS NOT NULL")
        _index("faq_one_per_answer", "faq", ["source_answer_id"], unique=True, sqlite_where=where,
               postgresql_where=where)
    _table("wechat_messages", sa.Column("key", text, primary_key=True), sa.Column("created", real, nullable=False))
    _index("wechat_messages_by_age", "wechat_messages", ["created"])
    _table("wechat_users", sa.Column("openid", text, primary_key=True), sa.Column("session_id", text, nullable=False),
           sa.Column("updated", real, nullable=False))
    _table("gaps", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
           sa.Column("question", text, nullable=False), sa.Column("reason", text, nullable=False),
           sa.Column("confidence", real, nullable=False), sa.Column("channel", text, nullable=False),
           sa.Column("created", real, nullable=False), sqlite_autoincrement=True)
    # the retention purge (hourly, by every worker) deletes by age
    for table, column in (("sessions", "last_seen"), ("answers", "created"), ("feedback", "created"),
                          ("gaps", "created")):
        _index(f"{table}_by_{column}", table, [column])
    _table("index_pointer", sa.Column("name", text, primary_key=True), sa.Column("version", text, nullable=False),
           sa.Column("updated", real, nullable=False))


def downgrade() -> None:
    for table in ("index_pointer", "gaps", "wechat_users", "wechat_messages", "faq", "feedback", "answers",
                  "sessions"):
        op.drop_table(table)
