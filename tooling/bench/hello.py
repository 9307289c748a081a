"""The ceiling of the web benchmark: a hello-world Flask app under the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index() -> str:
    """The smallest page Flask can serve."""
    return "Hello, World!"
