"""场景答疑: public clarification questions on scenarios (asker kept, never shown publicly;
answer, hiding by an administrator) and users following a scenario (关注).

Revision ID: 51c335c9a3ca
Revises: c4f1a7e2d9b3
Create Date: 2026-12-07 15:04:40.635260

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '51c335c9a3ca'
down_revision = 'c4f1a7e2d9b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scenario_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_scenario_follows_scenario_id_scenarios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_scenario_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_follows')),
    sa.UniqueConstraint('scenario_id', 'user_id', name=op.f('uq_scenario_follows_scenario_id_user_id'))
    )
    with op.batch_alter_table('scenario_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scenario_follows_user_id'), ['user_id'], unique=False)

    op.create_table('scenario_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'answered', name='question_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer_edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=200), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(status = 'pending' AND answer IS NULL AND answered_at IS NULL) OR (status = 'answered' AND answer IS NOT NULL AND answered_at IS NOT NULL)", name=op.f('ck_scenario_questions_answer_matches_status')),
    sa.CheckConstraint("hidden_at IS NULL OR hidden_reason <> ''", name=op.f('ck_scenario_questions_hidden_has_reason')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_scenario_questions_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asker_id'], ['users.id'], name=op.f('fk_scenario_questions_asker_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_scenario_questions_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_scenario_questions_scenario_id_scenarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_questions'))
    )
    with op.batch_alter_table('scenario_questions', schema=None) as batch_op:
        batch_op.create_index('ix_scenario_questions_asker_created', ['asker_id', 'created_at'], unique=False)
        batch_op.create_index('ix_scenario_questions_scenario_status', ['scenario_id', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('scenario_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_scenario_questions_scenario_status')
        batch_op.drop_index('ix_scenario_questions_asker_created')

    op.drop_table('scenario_questions')
    with op.batch_alter_table('scenario_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scenario_follows_user_id'))

    op.drop_table('scenario_follows')
