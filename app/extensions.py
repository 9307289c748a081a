"""Unbound Flask extensions, initialised by the application factory."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.models.base import Base
from app.models.search import include_object

db = SQLAlchemy(model_class=Base)
# include_object: autogenerate must not drop the search objects one database alone has
migrate = Migrate(render_as_batch=True, compare_type=True, include_object=include_object)
login_manager = LoginManager()
csrf = CSRFProtect()
