"""Tell API processes when an account or one of its sessions changes (NOTIFY identity_cache).

Revision ID: 0002
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create function notify_identity_cache_account() returns trigger language plpgsql as $$
        begin
            perform pg_notify('identity_cache', old.id::text);
            return null;
        end $$;
        create function notify_identity_cache_session() returns trigger language plpgsql as $$
        begin
            perform pg_notify('identity_cache', old.account_id::text);
            return null;
        end $$;
        create trigger account_changed after update or delete on account
            for each row execute function notify_identity_cache_account();
        create trigger session_changed after update or delete on session
            for each row execute function notify_identity_cache_session();
        """
    )


def downgrade() -> None:
    op.execute(
        "drop trigger session_changed on session; drop trigger account_changed on account;"
        " drop function notify_identity_cache_account(); drop function notify_identity_cache_session();"
    )
