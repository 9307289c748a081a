"""Unbound Flask extensions, initialised by the application factory."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
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
# the English view of the public portal: the locale of each request is chosen by app.i18n
babel = Babel()
# per-client-address limits on the sign-in, registration and reset forms; the address is the
# one left by app.runtime.proxy (X-Forwarded-For only from TRUSTED_PROXIES); storage from
# RATELIMIT_STORAGE_URI (Redis when REDIS_URL is set). No default limit: routes opt in.
limiter = Limiter(key_func=get_remote_address, key_prefix="jinan")
