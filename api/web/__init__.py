"""The web page for content owners and team leads: static HTML, JavaScript and CSS."""

from pathlib import Path

WEB_DIR = Path(__file__).parent
