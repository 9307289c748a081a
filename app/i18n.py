"""The English view of the public portal: which language a request is answered in, and the switch.

Chinese (zh_Hans) is the default and the language of the source: every msgid is the Chinese
text, so a Chinese page needs no catalogue. English comes from app/translations/en (see
docs/i18n.md). A visitor picks a language with the switch (/language?lang=en&next=/scenarios),
which remembers it in a long-lived cookie; nothing else (no Accept-Language) changes it.

Only the public pages whose interface is translated (TRANSLATED_ENDPOINTS) follow the choice;
every other page — workspaces, review, staff, sign-in — stays Chinese as a whole. That also
keeps English out of what requests write: audit rows, notifications, messages of refused
actions and Excel files are made by those other endpoints, always in Chinese.

Labels defined in Python (enum labels, chart titles) stay Chinese strings: they are stored in
snapshots (the dashboard's), exported and compared. N_() only marks them for the catalogue;
a template translates one where it shows it, with the `translate` filter.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, url_for
from flask_babel import Babel, get_locale, gettext
from werkzeug.wrappers import Response

from app.public_pages import PUBLIC_PAGES
from app.validators import safe_next  # the sign-in's rule for `next`, one definition

DEFAULT = "zh_Hans"
ENGLISH = "en"
# the value of the `lang` parameter and cookie -> the locale
LANGUAGES = {"zh": DEFAULT, "en": ENGLISH}
# the locale -> <html lang> and hreflang (BCP 47)
HTML_LANG = {DEFAULT: "zh-CN", ENGLISH: "en"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600  # a year: the choice outlives sessions and sign-outs

# The public pages whose interface is translated (listing content is shown as written); the
# printable batch list too, though it is never served from the page cache.
TRANSLATED_ENDPOINTS = PUBLIC_PAGES | {"batches.printable"}

bp = Blueprint("i18n", __name__)


def N_(message: str) -> str:
    """Mark a Chinese string for the catalogue, unchanged: templates translate it when shown."""
    return message


def translate(message: object) -> str:
    """A Chinese label computed in Python, in the request's language (a Jinja filter).

    Unlike _() in a template, it applies no %-formatting: a label may contain a "%".
    """
    text = str(message)
    return gettext(text) if text else text


def chosen_language() -> str:
    """The locale the visitor chose with the switch (the cookie), or Chinese."""
    return LANGUAGES.get(request.cookies.get(COOKIE, ""), DEFAULT)


def request_locale() -> str:
    """The locale of this request: the visitor's choice on a translated page, else Chinese.

    A request that matched no route (404, 405) follows the choice too: its error page is
    translated. Outside a request (jobs, CLI) everything is Chinese.
    """
    if request.endpoint is not None and request.endpoint not in TRANSLATED_ENDPOINTS:
        return DEFAULT
    return chosen_language()


def _select_locale() -> str:
    return request_locale() if has_request_context() else DEFAULT


def html_lang() -> str:
    """The page's language for <html lang>: zh-CN or en."""
    return HTML_LANG.get(str(get_locale()), HTML_LANG[DEFAULT])


def safe_target(target: str | None) -> str:
    """A same-site path to go back to, or the home page."""
    return safe_next(target) or url_for("portal.index")


@bp.route("/language")
def switch() -> Response:
    """Remember the chosen language and go back to the page it was chosen on.

    A GET, so the switch is a plain link on cached pages; it changes no data, only this
    browser's preference. An unknown `lang` changes nothing.
    """
    response = redirect(safe_target(request.args.get("next")))
    code = request.args.get("lang", "")
    if code in LANGUAGES:
        response.set_cookie(
            COOKIE,
            code,
            max_age=COOKIE_MAX_AGE,
            path="/",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
            samesite="Lax",
        )
    return response


def language_switch_links() -> list[dict[str, str | bool]]:
    """The switch's entries, one per language, for app/templates/_language_switch.html.

    Empty on a page without a translation (sign-in, workspaces), where it would change nothing.
    """
    if request.endpoint is not None and request.endpoint not in TRANSLATED_ENDPOINTS:
        return []
    here = request.full_path.rstrip("?")
    current = str(get_locale())
    return [
        {
            "code": code,
            "lang": HTML_LANG[locale],
            "name": "English" if locale == ENGLISH else "中文",
            "label": "View this page in English" if locale == ENGLISH else "以中文查看本页",
            "url": url_for("i18n.switch", lang=code, next=here),
            "current": locale == current,
        }
        for code, locale in LANGUAGES.items()
    ]


def init_app(app: Flask, babel: Babel) -> None:
    """Flask-Babel with the locale selector, the switch, and the templates' helpers."""
    babel.init_app(
        app,
        default_locale=DEFAULT,
        default_timezone="Asia/Shanghai",
        locale_selector=_select_locale,
    )
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        html_lang=html_lang, language_switch_links=language_switch_links, translate=translate
    )
    app.jinja_env.filters["translate"] = translate

    @app.after_request
    def _vary(response: Response) -> Response:
        # the same URL answers in two languages: a shared HTTP cache must key on the cookie
        if request.endpoint is None or request.endpoint in TRANSLATED_ENDPOINTS:
            response.vary.add("Cookie")
        return response
