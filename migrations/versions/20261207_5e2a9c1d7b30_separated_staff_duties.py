"""Separated staff duties (三权分立): the one all-powerful "admin" becomes 平台审核员 (reviewer),
beside 系统管理员 (sysadmin), 安全管理员 (secadmin) and 审计管理员 (auditor). One role per account,
and only staff accounts are outside an organisation.

Revision ID: 5e2a9c1d7b30
Revises: 58422a23da75
Create Date: 2026-12-07 12:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5e2a9c1d7b30'
down_revision = '58422a23da75'
branch_labels = None
depends_on = None

NEW_ROLES = ('publisher', 'firm', 'reviewer', 'sysadmin', 'secadmin', 'auditor')
OLD_ROLES = ('publisher', 'firm', 'admin')
STAFF_SQL = "role IN ('reviewer', 'sysadmin', 'secadmin', 'auditor')"


def _roles_sql(roles):
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def upgrade():
    # drop the old checks first: the data change below would violate them
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_constraint(op.f('ck_users_user_role'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_org_unless_admin'), type_='check')
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.drop_constraint(op.f('ck_organizations_org_role'), type_='check')
        batch_op.drop_constraint(op.f('ck_organizations_not_admin'), type_='check')
    op.execute("UPDATE users SET role = 'reviewer' WHERE role = 'admin'")
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('role_granted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint('user_role', _roles_sql(NEW_ROLES))
        batch_op.create_check_constraint(
            'org_unless_staff', f"({STAFF_SQL}) = (organization_id IS NULL)"
        )
    op.execute(f"UPDATE users SET role_granted_at = created_at WHERE {STAFF_SQL}")
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.create_check_constraint('org_role', _roles_sql(NEW_ROLES))
        batch_op.create_check_constraint('not_staff', "role IN ('publisher', 'firm')")


def downgrade():
    # the other duties have no place in the old schema: they become administrators again
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_constraint(op.f('ck_users_user_role'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_org_unless_staff'), type_='check')
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.drop_constraint(op.f('ck_organizations_org_role'), type_='check')
        batch_op.drop_constraint(op.f('ck_organizations_not_staff'), type_='check')
    op.execute(f"UPDATE users SET role = 'admin' WHERE {STAFF_SQL}")
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('role_granted_at')
        batch_op.create_check_constraint('user_role', _roles_sql(OLD_ROLES))
        batch_op.create_check_constraint(
            'org_unless_admin', "(role = 'admin') = (organization_id IS NULL)"
        )
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.create_check_constraint('org_role', _roles_sql(OLD_ROLES))
        batch_op.create_check_constraint('not_admin', "role <> 'admin'")
