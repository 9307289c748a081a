"""The OpenAPI document's builder: flask-smorest's Api, with errors as problem documents."""

from __future__ import annotations

import http

from flask_smorest import Api
from flask_smorest.arguments import ArgumentsMixin
from flask_smorest.utils import prepare_response

from app.api.schemas import ProblemDocument
from app.errors.problems import MIMETYPE

# invalid query arguments are a 400 (documented so), as every other bad request
ArgumentsMixin.ARGUMENTS_PARSER.DEFAULT_VALIDATION_STATUS = 400


class OpenDataApi(Api):
    """flask-smorest's Api without its error handler: app.errors answers every error
    (problem documents under /api/, the site's pages elsewhere)."""

    ERROR_SCHEMA = ProblemDocument

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        """Every error of every operation is documented as a problem document."""
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "错误（problem+json）", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)
