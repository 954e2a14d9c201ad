"""The API's routes by area; `waymark.api.app.create_app` includes them all."""
