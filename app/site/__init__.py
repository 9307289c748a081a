"""Site information pages (网站地图, 帮助中心, 隐私声明, 使用条款) and the footer's settings."""

from flask import Blueprint

bp = Blueprint("site", __name__)

from app.site import views  # noqa: E402, F401  (routes register on import)
