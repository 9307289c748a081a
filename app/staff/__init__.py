"""The platform's separated staff duties: 系统管理员 manage accounts and partners' API tokens,
安全管理员 grant roles."""

from flask import Blueprint

bp = Blueprint("staff", __name__)

from app.staff import token_views, views  # noqa: E402, F401  (routes register on import)
